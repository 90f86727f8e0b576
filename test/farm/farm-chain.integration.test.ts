import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken, tokenSha256 } from '../../src/farm/coordinator/tokens.js';
import * as tick from '../reliability/tick-project.js';
import { cleanupAll, freePort, runCli, startRedis, type CliProcess, type RedisServer } from './harness.js';

/**
 * A chain through the farm: libtick, a real C shared library, and tock, linked against it, built
 * by `freshet worker` processes. tock's deps image takes libtick-dev from freshet's own suite,
 * which reaches the worker as the coordinator's signed staging archive, by content hash.
 */
let project: tick.TickProject;
let redis: RedisServer;
let workers: CliProcess[] = [];
const multiarch = '"$(dpkg-architecture -qDEB_HOST_MULTIARCH)"';

function recipe(name: string, lines: string[]): void {
  const head = tick.recipeHead(project, name, `${name} for the farm chain test`, `${name}, made by freshet tests.`);
  writeFileSync(path.join(project.dir, 'recipes', `${name}.yaml`), [...head, ...tick.shellBuild(), ...lines, ''].join('\n'));
}

beforeAll(async () => {
  await tick.buildCli();
  project = await tick.tickProject('freshet-farm-chain-');
  redis = await startRedis({ dir: path.join(project.dir, 'redis') });
  const farmPort = await freePort();
  const tokens = { alpha: generateToken(), beta: generateToken() };
  const config = JSON.parse(readFileSync(project.configFile, 'utf8')) as Record<string, unknown>;
  config.queue = redis.url;
  config.farm = { listen: `127.0.0.1:${farmPort}`, workers: Object.entries(tokens).map(([name, token]) => ({ name, tokenSha256: tokenSha256(token) })) };
  writeFileSync(project.configFile, JSON.stringify(config));
  const key = await tick.cli(project, ['key', 'create']);
  expect(key.exitCode, key.stderr).toBe(0);

  project.served.set(
    'libtick-1.0.tar.gz',
    await tick.pack(project, 'libtick-1.0', {
      LICENSE: tick.LICENSE,
      'tick.h': 'int tick_version(void);\n',
      'tick.c': '#include "tick.h"\nint tick_version(void) { return 1; }\n',
      'build.sh': '#!/bin/sh\nset -eu\ncc $CFLAGS $LDFLAGS -shared -fPIC -Wl,-soname,libtick.so.1 -o libtick.so.1 tick.c\n',
      'install.sh': `#!/bin/sh\nset -eu\nlib="$DESTDIR/usr/lib/"${multiarch}\ninstall -D -m 0644 libtick.so.1 "$lib/libtick.so.1"\nln -s libtick.so.1 "$lib/libtick.so"\ninstall -D -m 0644 tick.h "$DESTDIR/usr/include/tick.h"\n`,
    }),
  );
  project.served.set(
    'tock-1.0.tar.gz',
    await tick.pack(project, 'tock-1.0', {
      LICENSE: tick.LICENSE,
      'tock.c': '#include <stdio.h>\n#include <tick.h>\nint main(void) { printf("tock 1.0 tick %d\\n", tick_version()); return 0; }\n',
      'build.sh': '#!/bin/sh\nset -eu\ncc $CFLAGS $LDFLAGS -o tock tock.c -ltick\n',
      'install.sh': '#!/bin/sh\nset -eu\ninstall -D -m 0755 tock "$DESTDIR/usr/bin/tock"\n',
    }),
  );
  recipe('libtick', ['packages:', '  - name: libtick1', '    role: library', '    files: ["{libdir}/libtick.so.*"]', '  - name: libtick-dev', '    role: dev', '    files: ["{includedir}/*", "{libdir}/libtick.so"]']);
  recipe('tock', ['depends:', '  build: ["libtick-dev >= 1.0~"]', 'packages:', '  - name: tock', 'gate:', '  smoke:', '    - [tock]', '  expect: "tock {version} tick 1"']);

  workers = Object.entries(tokens).map(([name, token]) => {
    const tokenFile = path.join(project.dir, `${name}.token`);
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const args = ['worker', '--queue', redis.url, '--coordinator', `http://127.0.0.1:${farmPort}`, '--token-file', tokenFile, '--targets', 'debian-12', '--work-dir', path.join(project.dir, `worker-${name}`), '--name', name];
    return runCli(args, { cwd: project.dir });
  });
  await Promise.all(workers.map((worker) => worker.waitForOutput(/taking jobs/, 60_000)));
}, 600_000);

afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await cleanupAll();
  await project?.close();
});

describe('a chain built by farm workers', () => {
  it('builds libtick, then tock against libtick-dev from the staging archive the worker downloaded; both go live in one publish', async () => {
    const result = await tick.cli(project, ['run']);
    const output = `${result.stdout}\n${result.stderr}\n${workers.map((worker) => worker.output()).join('\n')}`;
    expect(result.exitCode, output).toBe(0);
    expect(result.stdout).toContain('debian-12 build order: libtick → tock');
    expect(result.stdout).toMatch(/tock debian-12 1\.0-\S+: published/);
    expect(result.stdout.match(/^published bookworm: /gm)).toHaveLength(1);
    // tock's build job carried an archive: its worker unpacked freshet's suite for the deps image.
    const tockStarts = workers.filter((worker) => /farm job started \(id=tock_debian-12_1\.0_r1 kind=build/.test(worker.output()));
    expect(tockStarts).toHaveLength(1);
    const packages = tick.packagesList(project);
    expect(packages).toMatch(/^Package: tock$/m);
    expect(packages).toMatch(/^Depends: .*libtick1 \(>= 1\.0/m);
    await tick.verified(project);
  }, 1_800_000);
});
