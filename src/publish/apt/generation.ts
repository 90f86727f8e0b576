import { existsSync, readdirSync } from 'node:fs';
import { link, lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { UserError } from '../../core/errors.js';
import { run } from '../../core/exec.js';
import { fsyncDir, fsyncPath, readDurable, writeDurable } from '../fs-atomic.js';
import { releaseDigest } from '../hash.js';
import type { ReleaseFile } from './release.js';

/**
 * A suite's files (Release, InRelease, indices, by-hash) live in a generation folder,
 * dists/.generations/<suite>/<n>, and dists/<suite> is a symlink to the current one. A publish
 * builds generation n+1 beside it, and going live is one atomic rename of the symlink: a client or
 * a verifier sees the old suite or the new one, never a mix, at every instant.
 */
const gzipAsync = promisify(gzip);

export function suitePath(root: string, suite: string): string {
  return path.join(root, 'dists', suite);
}

export function generationsDir(root: string, suite: string): string {
  return path.join(root, 'dists', '.generations', suite);
}

/** The live generation folder of a suite, or undefined before the first publish. */
export async function currentGeneration(root: string, suite: string): Promise<string | undefined> {
  const link = suitePath(root, suite);
  let stats;
  try {
    stats = await lstat(link);
  } catch {
    return undefined;
  }
  if (!stats.isSymbolicLink()) {
    throw new UserError(`${link}: is not a symlink to a generation folder; this archive was not made by freshet`);
  }
  return path.resolve(path.dirname(link), await readlink(link));
}

export function generationNumber(dir: string | undefined): number {
  const number = dir ? Number.parseInt(path.basename(dir), 10) : 0;
  return Number.isFinite(number) ? number : 0;
}

/** Index files of a suite, relative to dists/<suite>/, with their content. */
export interface IndexContent {
  path: string;
  data: Buffer;
}

export const INDEX_PATHS = ['main/binary-amd64/Packages', 'main/binary-all/Packages', 'main/source/Sources'] as const;

/**
 * Hard links, all requested at once after each folder is made once; a name that is there already
 * is kept, and with `skipMissing` a source that is gone is skipped. Returns the links made.
 */
async function linkAll(links: ReadonlyArray<{ from: string; to: string }>, skipMissing = false): Promise<Array<{ from: string; to: string }>> {
  await Promise.all([...new Set(links.map(({ to }) => path.dirname(to)))].map((dir) => mkdir(dir, { recursive: true })));
  const made = await Promise.all(
    links.map(({ from, to }) =>
      link(from, to).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'EEXIST' || (skipMissing && error.code === 'ENOENT')) return false;
          throw error;
        },
      ),
    ),
  );
  return links.filter((_, index) => made[index]);
}

/** Each index form also under by-hash/SHA256 and by-hash/SHA512 of its folder. */
async function linkByHash(suiteDir: string, files: readonly ReleaseFile[]): Promise<Set<string>> {
  const byHash = new Map<string, string>();
  for (const file of files) {
    for (const hash of [`SHA256/${file.digest.sha256}`, `SHA512/${file.digest.sha512}`]) {
      byHash.set(path.join(path.dirname(file.path), 'by-hash', hash), file.path);
    }
  }
  await linkAll([...byHash].map(([target, file]) => ({ from: path.join(suiteDir, file), to: path.join(suiteDir, target) })));
  return new Set(byHash.keys());
}

const FORMS = ['', '.gz', '.xz'] as const;

async function sameContent(file: string, data: Buffer): Promise<boolean> {
  try {
    const existing = await readFile(file);
    return existing.equals(data);
  } catch {
    return false;
  }
}

/** One index in its three forms; an index unchanged since the previous generation is hard-linked, not compressed again. */
async function writeIndex(genDir: string, index: IndexContent, previous: string | undefined): Promise<ReleaseFile[]> {
  const plain = path.join(genDir, index.path);
  await mkdir(path.dirname(plain), { recursive: true });
  const before = previous ? path.join(previous, index.path) : undefined;
  if (before && FORMS.every((suffix) => existsSync(`${before}${suffix}`)) && (await sameContent(before, index.data))) {
    await Promise.all(FORMS.map((suffix) => link(`${before}${suffix}`, `${plain}${suffix}`)));
    const [gz, xz] = await Promise.all([readFile(`${plain}.gz`), readFile(`${plain}.xz`)]);
    return digestForms(index, [index.data, gz, xz]);
  }
  await writeFile(plain, index.data, { mode: 0o644 });
  // The plain form is flushed while the other two are compressed: every form is durable before
  // Release lists it. Each form is hashed from the bytes in hand, not read back from disk.
  const written = Promise.all([
    fsyncPath(plain),
    gzipAsync(index.data, { level: 6 }).then(async (data) => {
      await writeDurable(`${plain}.gz`, data);
      return data;
    }),
    // The fastest preset: 10,000 stanzas compress 2% worse than with -1 in half the time; blocks let xz use every core.
    run('xz', ['--threads=0', '--block-size=1MiB', '--keep', '--force', '-0', plain], { timeoutMs: 600_000 }).then(() => readDurable(`${plain}.xz`)),
  ]);
  written.catch(() => undefined);
  // The plain form is hashed while xz runs.
  const plainDigest = releaseDigest(index.data);
  const [, gz, xz] = await written;
  return digestForms(index, [index.data, gz, xz], plainDigest);
}

function digestForms(index: IndexContent, data: readonly [Buffer, Buffer, Buffer], plainDigest = releaseDigest(index.data)): ReleaseFile[] {
  return FORMS.map((suffix, position) => ({ path: `${index.path}${suffix}`, digest: position === 0 ? plainDigest : releaseDigest(data[position]!) }));
}

/** The forms of an index already written under another path, hard-linked to this one. */
async function linkIndex(genDir: string, from: string, to: string, forms: readonly ReleaseFile[]): Promise<ReleaseFile[]> {
  await mkdir(path.dirname(path.join(genDir, to)), { recursive: true });
  return Promise.all(
    forms.map(async (form) => {
      const suffix = form.path.slice(from.length);
      await link(path.join(genDir, form.path), path.join(genDir, `${to}${suffix}`));
      return { path: `${to}${suffix}`, digest: form.digest };
    }),
  );
}

/**
 * Write plain, .gz and .xz forms of each index into a new generation folder, each also under
 * by-hash/SHA256 and by-hash/SHA512 (hard links, so written once). Returns what Release lists and
 * the by-hash paths the new indices use.
 */
export async function writeIndices(
  genDir: string,
  indices: readonly IndexContent[],
  previous: string | undefined,
): Promise<{ files: ReleaseFile[]; byHash: Set<string> }> {
  // An index with the same bytes as another (binary-all when every package is arch:all) is
  // compressed once and hard-linked: compression is most of a publish's time.
  const firsts = indices.filter((index, position) => indices.findIndex((other) => other.data.equals(index.data)) === position);
  const written = await Promise.all(firsts.map((index) => writeIndex(genDir, index, previous)));
  const files = (
    await Promise.all(
      indices.map(async (index) => {
        const first = firsts.findIndex((other) => other.data.equals(index.data));
        if (firsts[first] === index) return written[first]!;
        return linkIndex(genDir, firsts[first]!.path, index.path, written[first]!);
      }),
    )
  ).flat();
  return { files, byHash: await linkByHash(genDir, files) };
}

/** Keep serving superseded by-hash files of the previous generation (hard links again). */
export async function carryByHash(previous: string | undefined, genDir: string, paths: Iterable<string>): Promise<string[]> {
  if (!previous) return [];
  // All at once: an archive publishing often within the grace period carries hundreds of them.
  const made = await linkAll([...paths].map((relative) => ({ from: path.join(previous, relative), to: path.join(genDir, relative) })), true);
  return made.map(({ to }) => path.relative(genDir, to));
}

export async function readIndices(genDir: string): Promise<IndexContent[]> {
  return Promise.all(INDEX_PATHS.map(async (relative) => ({ path: relative, data: await readFile(path.join(genDir, relative)) })));
}

/** Flush every folder of a tree, all at once: concurrent fsyncs share the file system's journal commits. */
export async function fsyncTree(dir: string): Promise<void> {
  const folders = async (folder: string): Promise<string[]> => [
    folder,
    ...(await Promise.all((await readdir(folder, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => folders(path.join(folder, entry.name))))).flat(),
  ];
  await Promise.all((await folders(dir)).map((folder) => fsyncDir(folder)));
}

/** Make a finished generation folder the live one: one rename of the suite symlink. */
export async function switchTo(root: string, suite: string, genDir: string): Promise<void> {
  const live = suitePath(root, suite);
  const next = path.join(path.dirname(live), `.${suite}.switch-${process.pid}`);
  await rm(next, { force: true });
  await symlink(path.relative(path.dirname(live), genDir), next);
  await rename(next, live);
  await fsyncDir(path.dirname(live));
}

/**
 * Remove generation folders other than the live one and the one before it (and crash leftovers),
 * concurrently. The folders are listed when this is called, so one made after the call is never
 * removed: a publish runs this beside building its own generation.
 */
export async function pruneGenerations(root: string, suite: string, keep: readonly string[]): Promise<void> {
  const dir = generationsDir(root, suite);
  if (!existsSync(dir)) return;
  const kept = new Set(keep.map((entry) => path.basename(entry)));
  const stale = readdirSync(dir).filter((entry) => !kept.has(entry));
  await Promise.all(stale.map((entry) => rm(path.join(dir, entry), { recursive: true, force: true })));
}
