import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podman } from '../../src/build/engine/podman/index.js';
import { findTarget, loadConfig, type ResolvedConfig } from '../../src/config/load.js';
import { run } from '../../src/core/exec.js';
import { runAptGate, type AptGateRequest } from '../../src/gate/apt/index.js';
import { publisherFor, stagingArchive } from '../../src/publish/api.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { createKey, KEYRING_GPG } from '../../src/sign/key.js';
import { artifact, makeConfig } from '../publish/fixtures.js';

/**
 * The APT gate for real on debian-12: tiny .debs made here with dpkg-deb, published to a staging
 * archive signed with a throwaway key, installed by the real gate (download with the network,
 * install and smoke without). The package is called hello so that the upgrade path runs from
 * bookworm's own hello 2.10-3, downloaded from Debian's mirror.
 */
const target = findTarget(loadConfig('freshet.config.yaml'), 'debian-12');
const version = '2.12.3-0~deb12+freshet1';
let dir: string;
let config: ResolvedConfig;
let listener: net.Server;
let port = 0;
const connections: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-apt-gate-test-'));
  config = makeConfig(dir);
  await createKey(config.stateDir, { name: 'freshet test', email: 'test@localhost', algorithm: 'ed25519', expire: '2y' });
  listener = net.createServer((socket) => {
    connections.push(`${socket.remoteAddress}:${socket.remotePort}`);
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve));
  await stopAgent(gnupgHome(config.stateDir));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A fake hello whose postinst and whose /usr/bin/hello each try to reach the test's loopback
 * listener with bash's /dev/tcp, and say whether they could.
 */
async function helloDeb(name: string, options: { depends?: string } = {}) {
  const tree = path.join(dir, `tree-${name}`);
  mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
  mkdirSync(path.join(tree, 'usr/bin'), { recursive: true });
  const probe = (who: string) =>
    `if (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null; then echo "${who}: reached the listener"; else echo "${who}: no connection"; fi; echo "${who} $(grep CapEff /proc/self/status)"`;
  writeFileSync(
    path.join(tree, 'DEBIAN/control'),
    [
      'Package: hello',
      `Version: ${version}`,
      'Architecture: all',
      'Maintainer: freshet tests <tests@localhost>',
      'Section: misc',
      'Priority: optional',
      ...(options.depends ? [`Depends: ${options.depends}`] : []),
      'Description: fake hello made by the gate tests',
      ' It tries the network from its postinst and from its program.',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(tree, 'DEBIAN/postinst'), `#!/bin/bash\n${probe('postinst')}\nmkdir -p /var/lib/fake-hello && touch /var/lib/fake-hello/postinst-ran\n`);
  writeFileSync(
    path.join(tree, 'usr/bin/hello'),
    `#!/bin/bash\necho "hello (GNU Hello) 2.12.3"\n${probe('smoke')}\n[ -e /var/lib/fake-hello/postinst-ran ] && echo "postinst ran"\n[ "\${1:-}" != --fail ]\n`,
  );
  chmodSync(path.join(tree, 'DEBIAN/postinst'), 0o755);
  chmodSync(path.join(tree, 'usr/bin/hello'), 0o755);
  const out = path.join(dir, `${name}.deb`, `hello_${version}_all.deb`);
  mkdirSync(path.dirname(out));
  await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', tree, out], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
  return artifact(out, 'deb');
}

async function gate(name: string, change: Partial<AptGateRequest> & { depends?: string } = {}) {
  const deb = await helloDeb(name, { depends: change.depends });
  const staging = stagingArchive(path.join(dir, `staging-${name}`));
  mkdirSync(staging.root, { recursive: true });
  await publisherFor('deb').publish({ config, archive: staging, suite: target.codename, add: [{ artifacts: [deb] }] });
  const request: AptGateRequest = {
    recipe: 'hello',
    target,
    buildId: `apt-gate-test-${name}`,
    upstreamVersion: '2.12.3',
    packageVersion: version,
    packages: ['hello'],
    requires: [],
    smoke: [['hello']],
    expect: '^hello \\(GNU Hello\\) {version}',
    shipped: '2.10-3',
    stagingDir: staging.root,
    keyring: path.join(staging.root, KEYRING_GPG),
    logDir: path.join(dir, `log-${name}`),
    files: [deb.file],
  };
  const { depends: _depends, ...rest } = change;
  const result = await runAptGate({ ...request, ...rest }, { engine: podman });
  return { result, log: readFileSync(result.logFile, 'utf8') };
}

describe('runAptGate on debian-12', () => {
  it("case 33: a postinst and a smoke command that try a loopback listener reach nothing and run with the package manager's capabilities only; the gate still passes", async () => {
    const { result, log } = await gate('network');
    expect(result.reason).toBeUndefined();
    expect(result.status).toBe('passed');
    expect(result.installed).toEqual({ hello: version });
    expect(result.upgradedFrom).toEqual({ hello: '2.10-3' });
    // Both probes ran, from the installed package, and neither got through.
    expect(log).toContain('postinst: no connection');
    expect(log).toContain('smoke: no connection');
    expect(log).toContain('postinst ran');
    expect(log).not.toContain('reached the listener');
    expect(connections).toEqual([]);
    // CHOWN, DAC_OVERRIDE, FOWNER, FSETID, SETGID and SETUID (bits 0, 1, 3, 4, 6, 7), nothing else.
    expect(log).toContain('postinst CapEff:\t00000000000000db');
  });

  it('passes smoke arguments literally: quotes, backslashes, ^ and $ reach the program as argv entries, no shell parses them', async () => {
    const literal = ['a\\b', `"q'`, '^c$', '$(id)', '*'];
    const { result, log } = await gate('literal-args', { smoke: [['hello'], ['/bin/sh', '-c', 'printf "[%s]" "$@"; echo', 'sh', ...literal]] });
    expect(result.reason).toBeUndefined();
    expect(log).toContain(`[a\\b]["q'][^c$][$(id)][*]`);
  });

  it('case 33: fails with the step named when a dependency cannot be satisfied', async () => {
    const { result, log } = await gate('unsatisfiable', { depends: 'freshet-no-such-package' });
    expect(result.status).toBe('failed');
    expect(result.reason).toBe('the gate failed during "download what the install needs" (download, network on, exit 100)');
    expect(log).toMatch(/hello : Depends: freshet-no-such-package but it is not installable/);
    expect(log).not.toContain('postinst');
  });

  it('case 33: fails with the step named when a smoke command fails', async () => {
    const { result, log } = await gate('smoke-fails', { smoke: [['hello', '--fail']] });
    expect(result.status).toBe('failed');
    expect(result.reason).toBe('the gate failed during "smoke 01" (install, no network, exit 1)');
    expect(log).toContain('postinst ran');
  });

  it('case 33: fails when the smoke output does not match expect', async () => {
    const { result, log } = await gate('smoke-mismatch', { expect: '^hello \\(GNU Hello\\) 9\\.9' });
    expect(result.status).toBe('failed');
    expect(log).toContain('smoke: no connection');
    expect(result.reason).toMatch(/^the smoke command's output does not match \/\^hello \\\(GNU Hello\\\) 9\\\.9\/: hello \(GNU Hello\) 2\.12\.3/);
  });
});
