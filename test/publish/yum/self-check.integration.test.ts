import { createHash } from 'node:crypto';
import { readFileSync, readlinkSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/load.js';
import { run } from '../../../src/core/exec.js';
import { publisherFor } from '../../../src/publish/api.js';
import type { ArchiveLocation } from '../../../src/publish/types.js';
import { parseRepomd, readPrimary } from '../../../src/publish/yum/repomd.js';
import { stateFile } from '../../../src/publish/yum/state.js';
import { verifyArchive } from '../../../src/verify/index.js';
import { makeRpms } from './rpms.js';
import { archiveDnf, RPM_TARGET, servedArchive, type ServedArchive } from './served-archive.js';

/**
 * The publisher's self-check holds primary.xml to the sha256 and size recorded when each package
 * was placed, and stats the files instead of reading every package again (docs/rpm.md, step 7).
 */
const REPO = RPM_TARGET.id;

let served: ServedArchive;
let dir: string;
let config: ResolvedConfig;
let archive: ArchiveLocation;

const packageFile = (name: string) => path.join(archive.root, 'rpm', REPO, 'packages', `${name}-1.0-1.noarch.rpm`);
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const liveRepomd = () => readFileSync(path.join(archive.root, 'rpm', REPO, 'repodata', 'repomd.xml'), 'utf8');

interface StateRow {
  file: string;
  sha256?: string;
  size?: number;
}
const stateRows = () => (JSON.parse(readFileSync(stateFile(archive.stateDir, REPO), 'utf8')) as { packages: StateRow[] }).packages;

async function livePrimary() {
  const repodata = path.join(archive.root, 'rpm', REPO, 'repodata');
  const primary = parseRepomd(liveRepomd()).find((entry) => entry.type === 'primary')!;
  return readPrimary(path.join(repodata, '..', primary.href));
}

/** Other bytes of the same size: the last byte (in the payload) flipped. */
function flipLastByte(file: string): Buffer {
  const original = readFileSync(file);
  const changed = Buffer.from(original);
  changed[changed.length - 1] ^= 0xff;
  writeFileSync(file, changed);
  return original;
}

async function addOne(prefix: string) {
  const rpms = await makeRpms(path.join(dir, `rpms-${prefix}`), { prefix, count: 1, version: '1.0' });
  return publisherFor('rpm').publish({ config, archive, suite: REPO, add: [{ artifacts: rpms, recipe: prefix, targetId: REPO }] });
}

beforeAll(async () => {
  served = await servedArchive('freshet-yum-self-check-');
  ({ dir, config, archive } = served);
  const rpms = await makeRpms(path.join(dir, 'rpms'), { prefix: 'demo', count: 2, version: '1.0' });
  await publisherFor('rpm').publish({ config, archive, suite: REPO, add: [{ artifacts: rpms, recipe: 'demo', targetId: REPO }] });
});

afterAll(() => served?.close());

describe('the YUM self-check against the recorded package digests', () => {
  it('records the sha256 and size of each package as published, and fills them in once for a state written before', async () => {
    const expected = ['demo0', 'demo1'].map((name) => ({ file: `packages/${name}-1.0-1.noarch.rpm`, sha256: sha256(packageFile(name)), size: statSync(packageFile(name)).size }));
    expect(stateRows()).toEqual(expected.map((row) => expect.objectContaining(row)));

    // A state as written before the digests were recorded: the next publish hashes those packages.
    const state = JSON.parse(readFileSync(stateFile(archive.stateDir, REPO), 'utf8')) as { packages: StateRow[] };
    for (const row of state.packages) {
      delete row.sha256;
      delete row.size;
    }
    writeFileSync(stateFile(archive.stateDir, REPO), JSON.stringify(state));
    await publisherFor('rpm').resign({ config, archive, suite: REPO });
    expect(stateRows()).toEqual(expected.map((row) => expect.objectContaining(row)));
  });

  it('an add one reads no published package again: primary.xml keeps the recorded digest, and dnf and freshet verify refuse a package changed behind its back', async () => {
    const file = packageFile('demo0');
    const recorded = { sha256: sha256(file), size: statSync(file).size };
    const { atime, mtime } = statSync(file);
    const original = flipLastByte(file);
    // Same size and mtime: createrepo_c --update takes its entry from the live metadata, unread.
    utimesSync(file, atime, mtime);
    try {
      const outcome = await addOne('fresh');
      expect(outcome.added.map((pkg) => pkg.name)).toEqual(['fresh0']);
      const listed = (await livePrimary()).find((pkg) => pkg.name === 'demo0')!;
      expect({ sha256: listed.sha256, size: listed.size }).toEqual(recorded);

      // What a client checks is what freshet checked when it placed the package.
      expect(await verifyArchive(archive.root)).toEqual([{ file, message: `sha256 ${sha256(file)}, listed ${recorded.sha256}` }]);
      const install = await archiveDnf(path.join(dir, 'dnf-changed'), served.server).dnf(['install', '--repo', 'freshet', 'demo0'], { allowFailure: true });
      expect(install.exitCode, install.tail).not.toBe(0);
      expect(`${install.stdout}${install.stderr}`).toContain(`checksum doesn't match. Calculated: ${sha256(file)}(sha256)  Expected: ${recorded.sha256}(sha256)`);
    } finally {
      writeFileSync(file, original);
      utimesSync(file, atime, mtime);
    }
    expect(await verifyArchive(archive.root)).toEqual([]);
  });

  it('stops the next publish when a published package changed on disk, naming it and the digest recorded when it was published', async () => {
    const file = packageFile('demo1');
    const recorded = sha256(file);
    const before = liveRepomd();
    const { atime, mtime } = statSync(file);
    const original = flipLastByte(file);
    // Another mtime (a second later at least, createrepo_c compares seconds): createrepo_c reads the
    // file again and lists the changed bytes, which the self-check then refuses.
    utimesSync(file, atime, new Date(mtime.getTime() + 10_000));
    try {
      await expect(addOne('blocked')).rejects.toThrow(`${file}: listed sha256 ${sha256(file)}, recorded ${recorded} when it was published`);
      expect(liveRepomd()).toBe(before);
    } finally {
      writeFileSync(file, original);
    }
    const outcome = await addOne('after');
    expect(outcome.added.map((pkg) => pkg.name)).toEqual(['after0']);
    expect(await verifyArchive(archive.root)).toEqual([]);
  });

  it('a re-sign links no metadata createrepo_c does not write: an updateinfo added to the live generation is not signed', async () => {
    const repo = path.join(archive.root, 'rpm', REPO);
    const liveRepodata = path.resolve(repo, readlinkSync(path.join(repo, 'repodata')));
    const updateinfo = path.join(dir, 'updateinfo.xml');
    writeFileSync(updateinfo, '<?xml version="1.0" encoding="UTF-8"?>\n<updates><update type="security" status="final"><id>INTRUDER-1</id><title>x</title></update></updates>\n');
    await run('modifyrepo_c', ['--mdtype', 'updateinfo', updateinfo, liveRepodata]);
    expect(parseRepomd(liveRepomd()).map((entry) => entry.type)).toContain('updateinfo');

    await publisherFor('rpm').resign({ config, archive, suite: REPO });
    expect(parseRepomd(liveRepomd()).map((entry) => entry.type).sort()).toEqual(['filelists', 'other', 'primary']);
    expect(await verifyArchive(archive.root)).toEqual([]);
  });

  it('a re-sign signs no package the state does not list: live metadata rewritten to list another package stops it, and nothing new goes live', async () => {
    // Someone who can write the served tree (not the state, not the key) adds a package and
    // rewrites the live generation's metadata with createrepo_c to list it.
    const repo = path.join(archive.root, 'rpm', REPO);
    const liveGeneration = path.dirname(path.resolve(repo, readlinkSync(path.join(repo, 'repodata'))));
    const [intruder] = await makeRpms(path.join(dir, 'rpms-intruder'), { prefix: 'intruder', count: 1, version: '1.0' });
    writeFileSync(path.join(repo, 'packages', 'intruder0-1.0-1.noarch.rpm'), readFileSync(intruder!.file));
    const pkglist = path.join(dir, 'intruder-pkglist');
    const listed = stateRows().map((row) => row.file);
    writeFileSync(pkglist, [...listed, 'packages/intruder0-1.0-1.noarch.rpm'].map((file) => `${file}\n`).join(''));
    await run('createrepo_c', ['--pkglist', pkglist, '--outputdir', liveGeneration, '--no-database', '--quiet', repo]);
    const rewritten = liveRepomd();
    expect((await livePrimary()).map((pkg) => pkg.name)).toContain('intruder0');

    await expect(publisherFor('rpm').resign({ config, archive, suite: REPO })).rejects.toThrow(
      `${path.join(repo, 'packages', 'intruder0-1.0-1.noarch.rpm')}: listed in primary.xml, but not a package the publisher placed`,
    );
    expect(liveRepomd()).toBe(rewritten);
  });
});
