import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type RunResult } from '../../src/core/exec.js';
import * as tick from './tick-project.js';

/**
 * Chains (issue 15) on a temporary project: a real C shared library, libtick, and tock, a program
 * linked against it (versioned build dependency on libtick-dev), both custom build systems served
 * by a loopback upstream, on debian-12. tock's build dependencies come from freshet's own suite.
 */
let project: tick.TickProject;
const cli = (args: string[]): Promise<RunResult> => tick.cli(project, args);
const output = (result: RunResult) => `${result.stdout}\n${result.stderr}`;

const pack = (name: string, files: Record<string, string>) => tick.pack(project, name, files);
const multiarch = '"$(dpkg-architecture -qDEB_HOST_MULTIARCH)"';

/** libtick <version> with shared-library version `soname`; `extra` adds a function, tick_extra. */
const libtickRelease = (version: string, soname: number, extra = false) =>
  pack(`libtick-${version}`, {
    LICENSE: tick.LICENSE,
    'tick.h': `int tick_version(void);\n${extra ? 'int tick_extra(void);\n' : ''}`,
    'tick.c': `#include "tick.h"\nint tick_version(void) { return ${soname}; }\n${extra ? 'int tick_extra(void) { return 1; }\n' : ''}`,
    'build.sh': `#!/bin/sh\nset -eu\ncc $CFLAGS $LDFLAGS -shared -fPIC -Wl,-soname,libtick.so.${soname} -o libtick.so.${soname} tick.c\n`,
    'install.sh': `#!/bin/sh\nset -eu\nlib="$DESTDIR/usr/lib/"${multiarch}\ninstall -D -m 0644 libtick.so.${soname} "$lib/libtick.so.${soname}"\nln -s libtick.so.${soname} "$lib/libtick.so"\ninstall -D -m 0644 tick.h "$DESTDIR/usr/include/tick.h"\n`,
  });

const tockRelease = (version: string) =>
  pack(`tock-${version}`, {
    LICENSE: tick.LICENSE,
    'tock.c': `#include <stdio.h>\n#include <tick.h>\nint main(void) { printf("tock ${version} tick %d\\n", tick_version()); return 0; }\n`,
    'build.sh': '#!/bin/sh\nset -eu\ncc $CFLAGS $LDFLAGS -o tock tock.c -ltick\n',
    'install.sh': '#!/bin/sh\nset -eu\ninstall -D -m 0755 tock "$DESTDIR/usr/bin/tock"\n',
  });

function recipe(name: string, lines: string[]): void {
  writeFileSync(
    path.join(project.dir, 'recipes', `${name}.yaml`),
    [
      ...tick.recipeHead(project, name, `${name} for the chain tests`, `${name}, made by freshet tests.`),
      ...lines,
      '',
    ].join('\n'),
  );
}

/** libtick's recipe; `broken` adds a build step that fails, `summary` gives the library package its own summary. */
function libtickRecipe(soname: number, broken = false, summary?: string): void {
  recipe('libtick', [
    ...tick.shellBuild(broken),
    'packages:',
    `  - name: libtick${soname}`,
    '    role: library',
    ...(summary ? [`    summary: ${summary}`] : []),
    '    files: ["{libdir}/libtick.so.*"]',
    '  - name: libtick-dev',
    '    role: dev',
    '    files: ["{includedir}/*", "{libdir}/libtick.so"]',
  ]);
}

function tockRecipe(): void {
  recipe('tock', [
    ...tick.shellBuild(),
    'depends:',
    // ~: freshet's 1.0-0~deb12+freshetN revisions sort below a bare 1.0 (docs/versioning.md).
    '  build: ["libtick-dev >= 1.0~"]',
    'packages:',
    '  - name: tock',
    'gate:',
    '  smoke:',
    '    - [tock]',
    '  expect: "tock {version} tick"',
  ]);
}

const packagesList = () => tick.packagesList(project);

/** What status.json says of a recipe on debian-12, and the chains. */
function statusOf(recipe: string): { cell: { state: string; note: string | null; blocked?: unknown }; chains: Array<{ members: string[]; state: string; note: string | null }> } {
  const doc = JSON.parse(readFileSync(path.join(project.dir, 'archive/status.json'), 'utf8')) as {
    recipes: Array<{ name: string; cells: Array<{ target: string; state: string; note: string | null; blocked?: unknown }> }>;
    chains: Array<{ members: string[]; state: string; note: string | null }>;
  };
  return { cell: doc.recipes.find((entry) => entry.name === recipe)!.cells.find((cell) => cell.target === 'debian-12')!, chains: doc.chains };
}

beforeAll(async () => {
  await tick.buildCli();
  project = await tick.tickProject('freshet-chains-');
  const key = await cli(['key', 'create']);
  expect(key.exitCode, key.stderr).toBe(0);
  project.served.set('libtick-1.0.tar.gz', await libtickRelease('1.0', 1));
  project.served.set('tock-1.0.tar.gz', await tockRelease('1.0'));
}, 600_000);

afterAll(async () => {
  await project?.close();
});

describe('chains: the archive builds against itself', () => {
  it('case 47: a provider whose build fails leaves its dependent waiting and publishes nothing of the chain; fixed, both go live in one publish', async () => {
    libtickRecipe(1, true);
    tockRecipe();
    const failed = await cli(['run']);
    expect(failed.exitCode, output(failed)).toBe(1);
    expect(failed.stdout).toMatch(/libtick debian-12 1\.0-\S+: build-failed/);
    expect(failed.stdout).toMatch(/tock debian-12 1\.0-\S+: waiting: waiting on libtick \(build-failed\)/);
    expect(failed.stdout).toContain('debian-12 build order: libtick → tock');
    expect(failed.stdout).toContain('0 published');
    expect(statusOf('tock').cell).toMatchObject({ note: 'waiting on libtick (build failed)', blocked: { status: 'waiting', on: [{ recipe: 'libtick', status: 'build-failed' }] } });
    expect(statusOf('tock').chains).toEqual([expect.objectContaining({ members: ['libtick', 'tock'], state: 'held', note: 'tock: waiting on libtick (build failed)' })]);

    libtickRecipe(1);
    const fixed = await cli(['run']);
    expect(fixed.exitCode, output(fixed)).toBe(0);
    expect(fixed.stdout).toMatch(/libtick debian-12 1\.0-\S+: published/);
    expect(fixed.stdout).toMatch(/tock debian-12 1\.0-\S+: published/);
    // One publish of the suite carrying the whole chain.
    expect(fixed.stdout.match(/^published bookworm: /gm)).toHaveLength(1);
    // Two source packages, libtick1, libtick-dev and tock, and the -dbgsym packages of libtick1 and tock.
    expect(fixed.stdout).toMatch(/^published bookworm: 7 packages added, 0 retired$/m);
    const packages = packagesList();
    expect(packages).toMatch(/^Package: libtick1$/m);
    expect(packages).toMatch(/^Depends: .*libtick1 \(>= 1\.0/m);
    expect(statusOf('tock').cell).toMatchObject({ state: 'newest', blocked: null });
    expect(statusOf('tock').chains).toEqual([expect.objectContaining({ members: ['libtick', 'tock'], state: 'live', note: null })]);
    await tick.verified(project);
  });

  it('case 48: libtick1 → libtick2 rebuilds tock and publishes both together; apt upgrades the installed pair with nothing held back or removed', async () => {
    // The pair as an operator has it installed: a copy of this generation of the archive.
    const before = path.join(project.dir, 'archive-before');
    cpSync(path.join(project.dir, 'archive'), before, { recursive: true, dereference: true });
    project.served.set('libtick-2.0.tar.gz', await libtickRelease('2.0', 2));
    libtickRecipe(2);

    const plan = await cli(['run', '--dry-run']);
    expect(plan.exitCode, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(/tock debian-12: build 1\.0-\S+ \(rebuilt against libtick 2\.0: it depends on libtick1, which libtick no longer builds \(now libtick2\)\)/);

    const upgraded = await cli(['run']);
    expect(upgraded.exitCode, output(upgraded)).toBe(0);
    expect(upgraded.stdout).toMatch(/tock debian-12 1\.0-\S+: published/);
    expect(upgraded.stdout.match(/^published bookworm: /gm)).toHaveLength(1);
    const packages = packagesList();
    expect(packages).toMatch(/^Package: libtick2$/m);
    expect(packages).toMatch(/^Package: tock\nVersion: 1\.0-0~deb12\+freshet2\n[^]*?^Depends: .*libtick2 \(>= 2\.0~\)$/m);
    // libtick1 stays listed at its one version, as archiveInfo.keep keeps older versions (docs/archive.md): nothing installed loses its package.
    expect(packages.match(/^Package: libtick1$/gm)).toHaveLength(1);

    const script = [
      'set -eu',
      'install -m 0644 /old/freshet-archive-keyring.gpg /etc/apt/keyrings-freshet.gpg',
      'src() { printf "Types: deb\\nURIs: file:%s\\nSuites: bookworm\\nComponents: main\\nSigned-By: /etc/apt/keyrings-freshet.gpg\\n" "$1" > /etc/apt/sources.list.d/freshet.sources; }',
      'src /old',
      'apt-get update -q -o APT::Sandbox::User=root >/dev/null',
      'apt-get install -y -q --no-install-recommends tock libtick-dev >/dev/null',
      'tock',
      'src /new',
      'apt-get update -q -o APT::Sandbox::User=root >/dev/null',
      // Plain `apt-get upgrade` never installs a new package (libtick2): it keeps the pair back and
      // removes nothing, so the old pair goes on working. --with-new-pkgs is what `apt upgrade` does.
      "apt-get upgrade -y | grep 'not upgraded' | sed 's/^/plain upgrade: /'",
      'tock',
      'apt-get upgrade -y --with-new-pkgs',
      'tock',
      "dpkg-query -W -f '${Package} ${Status}\\n' | grep -E '^(libtick|tock)'",
    ].join('\n');
    const result = await run(
      'podman',
      ['run', '--rm', '-v', `${before}:/old:ro`, '-v', `${path.join(project.dir, 'archive')}:/new:ro`, 'localhost/freshet/base:debian-12', 'bash', '-c', script],
      { allowFailure: true, timeoutMs: 600_000, env: { CONTAINERS_CONF: path.resolve(import.meta.dirname, '../../containers/containers.conf') } },
    );
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.stdout).toMatch(/tock 1\.0 tick 1\n[\s\S]*tock 1\.0 tick 2\n/);
    expect(result.stdout).toMatch(/^plain upgrade: 0 upgraded, 0 newly installed, 0 to remove and 2 not upgraded\.\ntock 1\.0 tick 1$/m);
    expect(result.stdout).toMatch(/\b2 upgraded, 1 newly installed, 0 to remove and 0 not upgraded\./);
    expect(result.stdout).not.toMatch(/kept back/);
    expect(result.stdout).toMatch(/^libtick2 install ok installed$/m);
  });

  it('case 57: a library release that raises what its dependent links against (shlibs minimum, a new symbol) rebuilds the dependent and publishes both together; a new library build that changes nothing it links against leaves it live', async () => {
    // libtick 2.1 adds tick_extra under the same soname: its shlibs line asks for libtick2 (>= 2.1~).
    project.served.set('libtick-2.1.tar.gz', await libtickRelease('2.1', 2, true));
    const plan = await cli(['run', '--dry-run']);
    expect(plan.exitCode, output(plan)).toBe(0);
    expect(plan.stdout).toContain(
      'tock debian-12: build 1.0-0~deb12+freshet3 (rebuilt against libtick 2.1 only if it changes what tock links against (its shlibs or symbols, compared with the live build once built))',
    );

    const raised = await cli(['run']);
    expect(raised.exitCode, output(raised)).toBe(0);
    expect(raised.stdout).toMatch(/^libtick debian-12 2\.1-0~deb12\+freshet1: published/m);
    expect(raised.stdout).toMatch(/^tock debian-12 1\.0-0~deb12\+freshet3: published/m);
    expect(raised.stderr).toContain('shlibs libtick 2: libtick2 (>= 2.0~) → libtick2 (>= 2.1~)');
    expect(raised.stdout.match(/^published bookworm: /gm)).toHaveLength(1);
    expect(packagesList()).toMatch(/^Package: tock\nVersion: 1\.0-0~deb12\+freshet3\n[^]*?^Depends: .*libtick2 \(>= 2\.1~\)$/m);

    // The same release built again (the library package's summary changed): its shlibs are the same.
    libtickRecipe(2, false, 'tick library, summarised');
    const same = await cli(['run']);
    expect(same.exitCode, output(same)).toBe(0);
    expect(same.stdout).toMatch(/^libtick debian-12 2\.1-0~deb12\+freshet2: published/m);
    expect(same.stdout).toMatch(/^tock debian-12 1\.0-0~deb12\+freshet4: unchanged: not rebuilt: libtick changed nothing it links against$/m);
    const packages = packagesList();
    expect(packages).toMatch(/^Package: libtick2\nSource: libtick\nVersion: 2\.1-0~deb12\+freshet2$/m);
    expect(packages).not.toMatch(/^Version: 1\.0-0~deb12\+freshet4$/m);
    expect(packages).toMatch(/^Package: tock\nVersion: 1\.0-0~deb12\+freshet3$/m);
    await tick.verified(project);
  });
});
