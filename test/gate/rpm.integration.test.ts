import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podman } from '../../src/build/engine/podman/index.js';
import { ensureBuilderImage } from '../../src/build/images.js';
import { findTarget, loadConfig, type ResolvedConfig } from '../../src/config/load.js';
import { run } from '../../src/core/exec.js';
import { gateDebianDepends } from '../../src/gate/rpm/debian-depends.js';
import { runRpmGate, type RpmGateRequest } from '../../src/gate/rpm/index.js';
import { loadRecipeFile } from '../../src/recipe/load.js';
import { publisherFor, stagingArchive } from '../../src/publish/api.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { createKey, KEYRING_GPG } from '../../src/sign/key.js';
import { artifact, makeConfig } from '../publish/fixtures.js';
import { makeRpms } from '../publish/yum/rpms.js';

/**
 * The RPM gate on debian-12-rpm: dnf (signature checks on) through a loopback server, rpm -K with
 * the archive key, install with rpm -i in the target's builder image, smoke command output.
 */
const repoConfig = loadConfig('freshet.config.yaml');
const target = findTarget(repoConfig, 'debian-12-rpm');
let dir: string;
let config: ResolvedConfig;

beforeAll(async () => {
  await ensureBuilderImage(target, { engine: podman, stateDir: repoConfig.stateDir });
  dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-rpm-gate-test-'));
  config = makeConfig(dir);
  await createKey(config.stateDir, { name: 'freshet test', email: 'test@localhost', algorithm: 'ed25519', expire: '2y' });
});

afterAll(async () => {
  await stopAgent(gnupgHome(config.stateDir));
  rmSync(dir, { recursive: true, force: true });
});

async function staged(name: string): Promise<{ root: string; files: string[] }> {
  const rpms = await makeRpms(path.join(dir, `rpms-${name}`), { prefix: 'gated', count: 1, version: '2.0', release: '0.deb12.freshet1' });
  const archive = stagingArchive(path.join(dir, `staging-${name}`));
  mkdirSync(archive.root, { recursive: true });
  await publisherFor('rpm').publish({ config, archive, suite: target.codename, add: [{ artifacts: rpms }] });
  return { root: archive.root, files: rpms.map((rpm) => `packages/${path.basename(rpm.file)}`) };
}

function request(stagingDir: string, files: string[], name: string): RpmGateRequest {
  return {
    recipe: 'gated',
    target,
    buildId: `gate-test-${name}`,
    upstreamVersion: '2.0',
    packageVersion: '2.0-0.deb12.freshet1',
    packages: ['gated0'],
    requires: [],
    smoke: [['cat', '/usr/share/gated0/README']],
    expect: '^gated0',
    shipped: null,
    stagingDir,
    keyring: path.join(stagingDir, KEYRING_GPG),
    logDir: path.join(dir, `log-${name}`),
    files,
  };
}

/**
 * A package whose %post and whose program each try to reach a loopback listener on the host with
 * bash's /dev/tcp, and say whether they could.
 */
async function probeRpm(port: number): Promise<{ root: string; files: string[] }> {
  const top = path.join(dir, 'rpmbuild-probe');
  mkdirSync(path.join(top, 'SPECS'), { recursive: true });
  const probe = (who: string) => `if (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null; then echo "${who}: reached the listener"; else echo "${who}: no connection"; fi; echo "${who} $(grep CapEff /proc/self/status)"`;
  writeFileSync(
    path.join(top, 'SPECS', 'probe.spec'),
    [
      'Name: gated0',
      'Version: 2.0',
      'Release: 0.deb12.freshet1',
      'Summary: network probe',
      'License: MIT',
      'BuildArch: noarch',
      '%description',
      'Tries the network from its scriptlet and its program.',
      '%install',
      'mkdir -p %{buildroot}/usr/bin',
      `printf '%s\\n' '#!/bin/bash' 'echo "gated0 2.0"' '${probe('smoke')}' > %{buildroot}/usr/bin/gated0-probe`,
      'chmod 0755 %{buildroot}/usr/bin/gated0-probe',
      '%post -p /bin/bash',
      probe('post'),
      '%files',
      '/usr/bin/gated0-probe',
      '',
    ].join('\n'),
  );
  await run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, path.join(top, 'SPECS', 'probe.spec')], { env: { SOURCE_DATE_EPOCH: '1700000000', LC_ALL: 'C.UTF-8' } });
  const out = path.join(top, 'RPMS', 'noarch');
  const rpms = readdirSync(out).map((file) => artifact(path.join(out, file), 'rpm'));
  const archive = stagingArchive(path.join(dir, 'staging-probe'));
  mkdirSync(archive.root, { recursive: true });
  await publisherFor('rpm').publish({ config, archive, suite: target.codename, add: [{ artifacts: rpms }] });
  return { root: archive.root, files: rpms.map((rpm) => `packages/${path.basename(rpm.file)}`) };
}

describe('runRpmGate on debian-12-rpm', () => {
  it("case 33: a %post scriptlet and a smoke command that try a loopback listener reach nothing and run with the package manager's capabilities only; the gate still passes", async () => {
    const connections: string[] = [];
    const listener = net.createServer((socket) => {
      connections.push(`${socket.remoteAddress}:${socket.remotePort}`);
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const { root, files } = await probeRpm((listener.address() as net.AddressInfo).port);
      const result = await runRpmGate({ ...request(root, files, 'probe'), smoke: [['gated0-probe']], expect: '^gated0 {version}' }, { engine: podman });
      const log = readFileSync(result.logFile, 'utf8');
      expect(result.reason).toBeUndefined();
      expect(result.status).toBe('passed');
      expect(result.installed).toEqual({ gated0: '2.0-0.deb12.freshet1' });
      expect(log).toContain('post: no connection');
      expect(log).toContain('smoke: no connection');
      expect(log).not.toContain('reached the listener');
      expect(connections).toEqual([]);
    // CHOWN, DAC_OVERRIDE, FOWNER, FSETID, SETGID and SETUID (bits 0, 1, 3, 4, 6, 7), nothing else.
    expect(log).toContain('post CapEff:\t00000000000000db');
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it('runs the smoke command of a program linked to a Debian library: the gate image holds the recipe\'s dependencies as Debian packages', async () => {
    const top = path.join(dir, 'rpmbuild-yamlver');
    mkdirSync(path.join(top, 'SPECS'), { recursive: true });
    writeFileSync(
      path.join(top, 'SPECS', 'yamlver.spec'),
      [
        'Name: yamlver',
        'Version: 2.0',
        'Release: 0.deb12.freshet1',
        'Summary: prints the libyaml version',
        'License: MIT',
        '%description',
        'Linked to libyaml, which the builder image lacks.',
        '%install',
        'mkdir -p %{buildroot}/usr/bin',
        `printf '%s\\n' '#include <stdio.h>' '#include <yaml.h>' 'int main(void) { printf("libyaml %s\\n", yaml_get_version_string()); return 0; }' > yamlver.c`,
        'gcc -o %{buildroot}/usr/bin/yamlver yamlver.c -lyaml',
        '%files',
        '/usr/bin/yamlver',
        '',
      ].join('\n'),
    );
    await run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', 'debug_package %{nil}', path.join(top, 'SPECS', 'yamlver.spec')], { env: { SOURCE_DATE_EPOCH: '1700000000', LC_ALL: 'C.UTF-8' } });
    const out = path.join(top, 'RPMS', 'x86_64');
    const rpms = readdirSync(out).map((file) => artifact(path.join(out, file), 'rpm'));
    const archive = stagingArchive(path.join(dir, 'staging-yamlver'));
    mkdirSync(archive.root, { recursive: true });
    await publisherFor('rpm').publish({ config, archive, suite: target.codename, add: [{ artifacts: rpms }] });
    const debianDepends = gateDebianDepends(loadRecipeFile(fileURLToPath(new URL('./fixtures/yamlver.yaml', import.meta.url))), target, repoConfig);
    expect(debianDepends).toEqual(['libyaml-dev']);
    const gate = {
      ...request(archive.root, rpms.map((rpm) => `packages/${path.basename(rpm.file)}`), 'yamlver'),
      recipe: 'yamlver',
      packages: ['yamlver'],
      smoke: [['yamlver']],
      expect: '^libyaml 0\\.2',
    };
    const result = await runRpmGate({ ...gate, debianDepends }, { engine: podman, stateDir: repoConfig.stateDir });
    expect(result.reason).toBeUndefined();
    expect(result.status).toBe('passed');
    expect(readFileSync(result.logFile, 'utf8')).toMatch(/^libyaml 0\.2\.\d+$/m);
  });

  it('passes a signed package that dnf sees, rpm -K accepts, rpm installs and whose smoke output matches', async () => {
    const { root, files } = await staged('good');
    const result = await runRpmGate(request(root, files, 'good'), { engine: podman });
    expect(result.reason).toBeUndefined();
    expect(result.status).toBe('passed');
    expect(result.installed).toEqual({ gated0: '2.0-0.deb12.freshet1' });
  });

  it('fails when a served package no longer matches its signature', async () => {
    const { root, files } = await staged('tampered');
    appendFileSync(path.join(root, 'rpm', target.codename, files[0]!), 'tampered');
    const result = await runRpmGate(request(root, files, 'tampered'), { engine: podman });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/rpm -K|dnf/);
  });

  it('fails when the smoke output does not match', async () => {
    const { root, files } = await staged('smoke');
    const result = await runRpmGate({ ...request(root, files, 'smoke'), expect: '^something else$' }, { engine: podman });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/does not match/);
  });
});
