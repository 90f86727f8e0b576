import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { archiveAt, publisherFor } from '../../../src/publish/api.js';
import { gnupgHome } from '../../../src/sign/gpg.js';
import { KEY_CACHE } from '../../../src/sign/key-cache.js';
import { makeDeb, signedProject, type SignedProject } from '../fixtures.js';

/**
 * The real gpgv rejects the new generation's signatures (the signing key in freshet's key cache is
 * replaced by another one, as a damaged cache would be): the publish fails saying so and the
 * previous generation stays live.
 */
describe('an APT publish whose self-check fails', () => {
  let project: SignedProject;
  beforeAll(async () => {
    project = await signedProject('freshet-apt-self-check-');
  });
  afterAll(() => project?.remove());

  it('leaves the previous generation live', async () => {
    const { config, dir } = project;
    const archive = archiveAt(config, path.join(dir, 'archive'));
    const apt = publisherFor('deb');
    await apt.publish({ config, archive, suite: 'bookworm', add: [{ artifacts: [await makeDeb(path.join(dir, 'd1'), { name: 'aa', version: '1.0' })] }] });
    const live = readlinkSync(path.join(archive.root, 'dists/bookworm'));
    const cacheFile = path.join(gnupgHome(config.stateDir), KEY_CACHE);
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8'));
    const other = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    for (const exported of Object.values(cache.exports) as Array<{ nativeKey: { jwk: object } }>) exported.nativeKey.jwk = other;
    writeFileSync(cacheFile, JSON.stringify(cache));
    // The cache is read once per process: a fresh module graph reads the damaged one.
    vi.resetModules();
    const fresh = (await import('../../../src/publish/api.js')).publisherFor('deb');
    await expect(fresh.publish({ config, archive, suite: 'bookworm', add: [{ artifacts: [await makeDeb(path.join(dir, 'd2'), { name: 'aa', version: '2.0' })] }] })).rejects.toThrow(/self-check of the new bookworm generation failed; nothing went live/);
    expect(readlinkSync(path.join(archive.root, 'dists/bookworm'))).toBe(live);
    expect(readFileSync(path.join(archive.root, 'dists/bookworm/main/binary-amd64/Packages'), 'utf8')).toContain('Version: 1.0');
  });
});
