import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/load.js';
import { run } from '../../../src/core/exec.js';
import { dnfClient } from '../../../src/gate/rpm/dnf.js';
import { publisherFor } from '../../../src/publish/api.js';
import type { ArchiveLocation } from '../../../src/publish/types.js';
import { parseRepomd } from '../../../src/publish/yum/repomd.js';
import { rpmCheckSignatures } from '../../../src/publish/yum/sign.js';
import type { RunningServer } from '../../../src/serve/static.js';
import { KEYRING_ASC } from '../../../src/sign/key.js';
import { verifyArchive } from '../../../src/verify/index.js';
import { treeContents } from '../fixtures.js';
import { makeRpms } from './rpms.js';
import { servedArchive, type ServedArchive } from './served-archive.js';

let dir: string;
let config: ResolvedConfig;
let archive: ArchiveLocation;
let server: RunningServer;
const REPO = 'debian-12-rpm';

let served: ServedArchive;
/** The build the first test publishes, published again by the no-op test. */
let firstBuild: Awaited<ReturnType<typeof makeRpms>>;

beforeAll(async () => {
  served = await servedArchive('freshet-yum-');
  ({ dir, config, archive, server } = served);
});

afterAll(() => served?.close());

const client = (name: string) =>
  dnfClient(path.join(dir, `dnf-${name}`), { id: 'freshet', baseurl: new URL(`rpm/${REPO}/`, server.url).href, gpgkey: new URL(KEYRING_ASC, server.url).href, releasever: '12' });

const publish = (artifacts: Awaited<ReturnType<typeof makeRpms>>) =>
  publisherFor('rpm').publish({ config, archive, suite: REPO, add: [{ artifacts, recipe: 'demo', targetId: REPO }] });

describe('publishing a YUM repository', () => {
  it('publishes signed packages and signed metadata that dnf reads with gpgcheck and repo_gpgcheck on', async () => {
    const rpms = await makeRpms(path.join(dir, 'rpms'), { prefix: 'demo', count: 2, version: '1.0' });
    firstBuild = rpms;
    const outcome = await publish(rpms);
    expect(outcome.added.map((pkg) => `${pkg.name} ${pkg.version} ${pkg.arch}`)).toEqual(['demo0 1.0-1 noarch', 'demo1 1.0-1 noarch']);
    const repo = path.join(archive.root, 'rpm', REPO);
    expect(lstatSync(path.join(repo, 'repodata')).isSymbolicLink()).toBe(true);
    expect(existsSync(path.join(repo, 'repodata', 'repomd.xml.asc'))).toBe(true);
    expect(readFileSync(path.join(repo, 'repodata', 'repomd.xml.asc'), 'utf8')).toContain('BEGIN PGP SIGNATURE');

    const checked = await rpmCheckSignatures(path.join(archive.root, KEYRING_ASC), [path.join(repo, 'packages', path.basename(rpms[0]!.file))], path.join(dir, 'rpmdb'));
    expect(checked.ok, checked.output).toBe(true);
    expect(await verifyArchive(archive.root)).toEqual([]);

    const dnf = client('first');
    const found = await dnf.dnf(['repoquery', '--repo', 'freshet', '--qf', '%{name} %{version}-%{release}']);
    expect(found.stdout.trim().split('\n').sort(), found.stderr).toEqual(['demo0 1.0-1', 'demo1 1.0-1']);
    // Installing needs the package signature too (gpgcheck=1).
    await dnf.dnf(['install', '--repo', 'freshet', 'demo0']);
    expect(readFileSync(path.join(dnf.root, 'usr/share/demo0/README'), 'utf8')).toBe('demo0\n');
  });

  it('case 27: refuses to replace a published file with other bytes, and republishing the same build is a no-op', async () => {
    const before = treeContents(archive.root);
    // The snapshot sees the packages, the metadata and the live symlink.
    expect(before).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rpm\/debian-12-rpm\/packages\/demo0-1\.0-1\.noarch\.rpm \d+ [0-9a-f]{64}$/),
        expect.stringMatching(/^rpm\/debian-12-rpm\/\.generations\/1\/repodata\/repomd\.xml\.asc \d+ [0-9a-f]{64}$/),
        'rpm/debian-12-rpm/repodata -> .generations/1/repodata',
      ]),
    );

    const again = await makeRpms(path.join(dir, 'rpms-again'), { prefix: 'demo', count: 1, version: '1.0' });
    // Built again: same name and version, other bytes (rpm writes a new build time).
    await expect(publish(again)).rejects.toThrow(`packages/demo0-1.0-1.noarch.rpm is already published from a different build; published packages never change`);
    expect(treeContents(archive.root)).toEqual(before);

    const republished = await publish(firstBuild);
    expect(republished.added).toEqual([]);
    expect(republished.removed).toEqual([]);
    expect(treeContents(archive.root)).toEqual(before);
  });

  it('keeps superseded metadata for the grace period, retires old versions, and dnf sees the update', async () => {
    const repodata = path.join(archive.root, 'rpm', REPO, 'repodata');
    const before = readdirSync(repodata).filter((name) => name.includes('primary'));
    const v2 = await makeRpms(path.join(dir, 'rpms2'), { prefix: 'demo', count: 2, version: '2.0' });
    await publish(v2);
    const v3 = await makeRpms(path.join(dir, 'rpms3'), { prefix: 'demo', count: 2, version: '3.0' });
    const outcome = await publish(v3);
    // keep: 2 — 1.0 leaves the index; its files stay for the grace period.
    expect(outcome.removed.map((pkg) => `${pkg.name} ${pkg.version}`).sort()).toEqual(['demo0 1.0-1', 'demo1 1.0-1']);
    const after = readdirSync(repodata);
    for (const name of before) expect(after).toContain(name);
    expect(existsSync(path.join(archive.root, 'rpm', REPO, 'packages', 'demo0-1.0-1.noarch.rpm'))).toBe(true);
    expect(await verifyArchive(archive.root)).toEqual([]);

    const dnf = client('second');
    const found = await dnf.dnf(['repoquery', '--repo', 'freshet', '--qf', '%{name} %{version}']);
    expect(found.stdout.trim().split('\n').sort()).toEqual(['demo0 2.0', 'demo0 3.0', 'demo1 2.0', 'demo1 3.0']);
  });

  it('makes dnf refuse metadata whose signature does not match', async () => {
    const asc = path.join(archive.root, 'rpm', REPO, 'repodata', 'repomd.xml.asc');
    const repomd = path.join(archive.root, 'rpm', REPO, 'repodata', 'repomd.xml');
    const original = readFileSync(repomd, 'utf8');
    try {
      await run('sh', ['-c', 'printf "<!-- tampered -->\\n" >> "$1"', 'sh', repomd]);
      expect((await verifyArchive(archive.root)).map((problem) => problem.file)).toContain(asc);
      const dnf = client('tampered');
      const result = await dnf.dnf(['makecache', '--repo', 'freshet'], { allowFailure: true });
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(/GPG signature verification error|Bad GPG signature/);
    } finally {
      await run('sh', ['-c', 'printf "%s" "$2" > "$1"', 'sh', repomd, original]);
    }
    expect(await verifyArchive(archive.root)).toEqual([]);
  });

  it('still serves every file an earlier repomd.xml lists after the switch (a client mid-refresh)', async () => {
    const repodata = path.join(archive.root, 'rpm', REPO, 'repodata');
    const earlier = parseRepomd(readFileSync(path.join(repodata, 'repomd.xml'), 'utf8'));
    const v4 = await makeRpms(path.join(dir, 'rpms4'), { prefix: 'demo', count: 1, version: '4.0' });
    await publish(v4);
    const later = parseRepomd(readFileSync(path.join(repodata, 'repomd.xml'), 'utf8'));
    expect(later.find((entry) => entry.type === 'primary')!.href).not.toBe(earlier.find((entry) => entry.type === 'primary')!.href);
    for (const entry of earlier) {
      const response = await fetch(new URL(`rpm/${REPO}/${entry.href}`, server.url));
      expect(response.status, entry.href).toBe(200);
      expect(createHash('sha256').update(Buffer.from(await response.arrayBuffer())).digest('hex')).toBe(entry.sha256);
    }
  });

  it('case 28: re-signs a repository into a new generation and lists it as a suite', async () => {
    const outcome = await publisherFor('rpm').resign({ config, archive, suite: REPO });
    expect(Number(outcome.generation)).toBeGreaterThan(3);
    expect(await publisherFor('rpm').suites(archive.root)).toEqual([REPO]);
    expect(await verifyArchive(archive.root)).toEqual([]);
  });

  it('re-signs with nothing new by linking the live metadata (no createrepo_c run): only repomd.xml.asc is new, and dnf reads it', async () => {
    const repodata = path.join(archive.root, 'rpm', REPO, 'repodata');
    const before = path.resolve(path.dirname(repodata), readlinkSync(repodata));
    const listed = ['repomd.xml', ...parseRepomd(readFileSync(path.join(before, 'repomd.xml'), 'utf8')).map((entry) => path.basename(entry.href))];
    const query = async () => (await client('resigned').dnf(['repoquery', '--repo', 'freshet', '--refresh', '--qf', '%{name} %{version}'])).stdout.trim().split('\n').sort();
    const packagesBefore = await query();
    expect(packagesBefore).toContain('demo1 3.0');

    await publisherFor('rpm').resign({ config, archive, suite: REPO });
    const after = path.resolve(path.dirname(repodata), readlinkSync(repodata));
    expect(after).not.toBe(before);
    for (const name of listed) expect(lstatSync(path.join(after, name)).ino, name).toBe(lstatSync(path.join(before, name)).ino);
    // Signed again (RSA signatures made in the same second may have the same bytes).
    expect(lstatSync(path.join(after, 'repomd.xml.asc')).ino).not.toBe(lstatSync(path.join(before, 'repomd.xml.asc')).ino);
    expect(await verifyArchive(archive.root)).toEqual([]);
    expect(await query()).toEqual(packagesBefore);
  });
});
