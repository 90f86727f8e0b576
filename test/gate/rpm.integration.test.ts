import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podman } from '../../src/build/engine/podman/index.js';
import { ensureBuilderImage } from '../../src/build/images.js';
import { findTarget, loadConfig, type ResolvedConfig } from '../../src/config/load.js';
import { runRpmGate, type RpmGateRequest } from '../../src/gate/rpm/index.js';
import { publisherFor, stagingArchive } from '../../src/publish/api.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { createKey, KEYRING_GPG } from '../../src/sign/key.js';
import { makeConfig } from '../publish/fixtures.js';
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

describe('runRpmGate on debian-12-rpm', () => {
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
