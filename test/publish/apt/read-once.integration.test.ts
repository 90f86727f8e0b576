import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stagingArchive } from '../../../src/publish/api.js';
import { INCOMING } from '../../../src/publish/apt/pool.js';
import { publishApt } from '../../../src/publish/apt/publish.js';
import type { BuildArtifact } from '../../../src/types.js';
import { verifyArchive } from '../../../src/verify/index.js';
import { artifact, makeDeb, signedProject, type SignedProject } from '../fixtures.js';

/**
 * Set by a test: after the publisher has read and parsed a .deb, its file on disk is replaced by
 * other bytes of the same size, as a build folder changed under the publisher would be. The readers
 * are the real ones; only this change is added after them.
 */
let replaceAfterRead = false;

function replaceOnDisk(file: string): void {
  if (!replaceAfterRead) return;
  const bytes = readFileSync(file);
  bytes[bytes.length - 1] ^= 0xff;
  writeFileSync(file, bytes);
}

vi.mock('../../../src/publish/apt/control.js', async (importOriginal) => {
  const real = await importOriginal<Record<string, (...args: never[]) => Promise<unknown>>>();
  const after =
    (read: (...args: never[]) => Promise<unknown>, fileArgument: number) =>
    async (...args: never[]) => {
      const pkg = await read(...args);
      replaceOnDisk(args[fileArgument] as string);
      return pkg;
    };
  return { ...real, readDeb: after(real.readDeb!, 0), ...(real.readDebBytes ? { readDebBytes: after(real.readDebBytes, 1) } : {}) };
});

// From 64 new files on the pool is written another way (syncfs, no fsync per file): both are tried.
const BIG_BATCH = 70;
let project: SignedProject;
let built: BuildArtifact[];
let runs = 0;

beforeAll(async () => {
  project = await signedProject('freshet-read-once-');
  built = [];
  for (let index = 0; index < BIG_BATCH; index += 1) built.push(await makeDeb(path.join(project.dir, 'built'), { name: `once${index}`, version: '1.0-1' }));
});

afterAll(() => project?.remove());

/** Copies of the first `count` built packages, with their build results, and a fresh staging archive. */
function batch(count: number) {
  runs += 1;
  const folder = path.join(project.dir, `run-${runs}`);
  mkdirSync(folder);
  const artifacts = built.slice(0, count).map((deb) => {
    const file = path.join(folder, path.basename(deb.file));
    copyFileSync(deb.file, file);
    return artifact(file, 'deb');
  });
  return { artifacts, archive: stagingArchive(path.join(folder, 'archive')) };
}

function filesUnder(folder: string): string[] {
  try {
    return readdirSync(folder, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name);
  } catch {
    return [];
  }
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('an APT publish reads each package once', () => {
  it.each([2, BIG_BATCH])('refuses an artifact changed since its build result was written, naming it; nothing reaches the pool (batch of %i)', async (count) => {
    const { artifacts, archive } = batch(count);
    const changed = artifacts[count - 1]!;
    replaceAfterRead = false;
    writeFileSync(changed.file, Buffer.concat([readFileSync(changed.file), Buffer.from('x')]));
    await expect(publishApt({ config: project.config, archive, suite: 'bookworm', add: [{ artifacts }] })).rejects.toThrow(
      `${changed.file}: differs from the build result (sha256 or size changed since the build)`,
    );
    // Neither a pool file nor a temporary one of the packages read before the refusal.
    expect(filesUnder(path.join(archive.root, 'pool'))).toEqual([]);
    expect(existsSync(path.join(archive.root, INCOMING))).toBe(false);
  });

  it.each([1, BIG_BATCH])('writes the pool file from the bytes it hashed, when the artifact changes on disk after the check (batch of %i)', async (count) => {
    const { artifacts, archive } = batch(count);
    replaceAfterRead = true;
    try {
      await publishApt({ config: project.config, archive, suite: 'bookworm', add: [{ artifacts }] });
    } finally {
      replaceAfterRead = false;
    }
    for (const deb of artifacts) {
      const pooled = path.join(archive.root, 'pool/main/o', path.basename(deb.file).split('_')[0]!, path.basename(deb.file));
      expect(sha256(deb.file)).not.toBe(deb.sha256);
      expect(sha256(pooled)).toBe(deb.sha256);
    }
    expect(await verifyArchive(archive.root)).toEqual([]);
  });

  it.each([1, BIG_BATCH])('removes the files a publisher killed before its renames left behind, and leaves none of its own (batch of %i)', async (count) => {
    const { artifacts, archive } = batch(count);
    // What a SIGKILLed publisher leaves: staged files, never renamed into the pool.
    mkdirSync(path.join(archive.root, INCOMING), { recursive: true });
    for (const index of [0, 1, 2]) writeFileSync(path.join(archive.root, INCOMING, String(index)), 'half-written package');
    await publishApt({ config: project.config, archive, suite: 'bookworm', add: [{ artifacts }] });
    expect(existsSync(path.join(archive.root, INCOMING))).toBe(false);
    expect(filesUnder(path.join(archive.root, 'pool')).filter((name) => !name.endsWith('.deb'))).toEqual([]);
    expect(await verifyArchive(archive.root)).toEqual([]);
  });
});
