import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { list } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packJobArchive } from '../../src/farm/coordinator/job-archive.js';
import { unpackTree } from '../../src/farm/trees.js';
import { publisherFor } from '../../src/publish/api.js';
import { KEYRING_ASC, KEYRING_GPG } from '../../src/sign/key.js';
import { verifyArchive } from '../../src/verify/index.js';
import { makeDeb } from '../publish/fixtures.js';
import { RPM_TARGET, servedTwoGenerations, type ServedArchive } from '../publish/yum/served-archive.js';

/**
 * A gate or a chain build on the farm gets only what it needs of the staging archive: its suite
 * (or YUM repository) with the signed indices, the pool files they list and the keyring. A real
 * archive with two APT suites and a YUM repository, published by freshet's publishers; what is
 * packed is unpacked with the worker's unpackTree and verified with the archive key (freshet
 * verify: InRelease and repomd.xml signatures, every index and listed file by hash). Its arch-all
 * package makes binary-all and binary-amd64 share hard-linked indices, on which the packTree of the
 * whole archive used before never finished.
 */
let served: ServedArchive;
let root: string;

beforeAll(async () => {
  served = await servedTwoGenerations('freshet-job-archive-', 'chained');
  const { dir, config, archive } = served;
  root = archive.root;
  for (const [suite, name] of [['bookworm', 'hello'], ['trixie', 'other']] as const) {
    const debDir = path.join(dir, `debs-${suite}`);
    mkdirSync(debDir, { recursive: true });
    const deb = await makeDeb(debDir, { name, version: '1.0-1', payload: 'x'.repeat(200_000) });
    await publisherFor('deb').publish({ config, archive, suite, add: [{ artifacts: [deb], recipe: name, targetId: suite }] });
  }
}, 300_000);

afterAll(() => served?.close());

async function entries(file: string): Promise<string[]> {
  const names: string[] = [];
  await list({ file, onentry: (entry) => names.push(entry.path.replace(/\/$/, '')) });
  return names;
}

async function packAndVerify(family: 'deb' | 'rpm', suite: string) {
  const file = path.join(served.dir, `${family}-${suite}.tar`);
  await packJobArchive(root, family, suite, file);
  const unpacked = path.join(served.dir, `unpacked-${family}-${suite}`);
  await unpackTree(file, unpacked);
  return { names: await entries(file), unpacked, problems: await verifyArchive(unpacked) };
}

describe("a farm job's staging archive", () => {
  it('an APT job gets its suite, the pool files its indices list and the keyring, signed as before, not the other suites', async () => {
    const { names, unpacked, problems } = await packAndVerify('deb', 'bookworm');
    expect(names).toEqual(expect.arrayContaining([KEYRING_GPG, KEYRING_ASC, 'dists/bookworm', 'dists/.generations/bookworm/1/InRelease', 'pool/main/h/hello/hello_1.0-1_all.deb']));
    expect(names.filter((name) => /trixie|other|^rpm/.test(name))).toEqual([]);
    expect(problems).toEqual([]);
    expect(readdirSync(path.join(unpacked, 'dists'))).toEqual(['.generations', 'bookworm']);
  });

  it('an RPM job gets its YUM repository, the packages its primary lists and the keyring, signed as before, not the APT suites', async () => {
    const { names, problems } = await packAndVerify('rpm', RPM_TARGET.id);
    expect(names).toEqual(expect.arrayContaining([KEYRING_ASC, `rpm/${RPM_TARGET.id}/repodata`, `rpm/${RPM_TARGET.id}/packages/chained0-2.0-1.noarch.rpm`]));
    expect(names.filter((name) => /^dists|^pool/.test(name))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
