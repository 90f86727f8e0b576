import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { checkDebFields, checkDscFields, describeProblems } from '../../build/artifact-policy.js';
import { sha256Of } from '../../core/digest.js';
import { UserError } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { archiveSigner, exportPublicKey, requireSigningKey } from '../../sign/key.js';
import type { Signer } from '../../sign/openpgp-signer.js';
import type { BuildArtifact } from '../../types.js';
import { compare } from '../../versioning/deb.js';
import { verifySuiteDir } from '../../verify/apt.js';
import { checkpoint, startSteps } from '../checkpoint.js';
import { fsyncDir, writeDurable } from '../fs-atomic.js';
import { WHOLE_READ_BYTES } from '../hash.js';
import { acquireLock } from '../lock.js';
import { stateDoesNotKnow } from '../state-match.js';
import type { PublishedPackage, PublishOutcome, PublishRequest, RemoveSpec, ResignRequest } from '../types.js';
import { packagesStanza, poolDir, readDeb, readDebBytes, readDsc, sourcesStanza, type BinaryPackage, type SourcePackage } from './control.js';
import { field, type Stanza } from './deb822.js';
import {
  carryByHash,
  currentGeneration,
  fsyncTree,
  generationNumber,
  generationsDir,
  pruneGenerations,
  readIndices,
  switchTo,
  writeIndices,
  type IndexContent,
} from './generation.js';
import { IndexDb } from './index-db.js';
import { PoolStaging } from './pool.js';
import { ARCHITECTURES, buildRelease, checkIdentity, nextReleaseDate, parseRelease, parseReleaseDate, type ReleaseIdentity } from './release.js';

/**
 * Publishing an APT suite, in this order (docs/archive.md explains why):
 *  1. lock the archive; refuse a missing or expired key and a change of Origin/Label/Suite/Codename;
 *  2. read each new package once: check it against its build result and the names already published
 *     (immutable), and write its pool file from those same bytes; they go live by rename;
 *  3. record stanzas, removals and retention in the index database, inside a transaction;
 *  4. write the indices of a new generation folder (by-hash first), Release, InRelease, Release.gpg;
 *  5. self-check: signatures with gpgv against the exported key, every listed hash and size;
 *  6. commit the database, then switch dists/<suite> to the new generation with one rename;
 *  7. delete pool files and generations whose grace period ended.
 * Any failure before 6 rolls the database back and leaves the live generation untouched.
 */
const LOCK_FILE = 'publish.lock';
const HOUR_MS = 3_600_000;
const READ_CONCURRENCY = 8;

/** After a failure no item is started, and the ones under way finish before it is thrown (they may write pool files). */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failure = settled.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return results;
}

interface Placed {
  binaries: Array<{ pkg: BinaryPackage; filename: string; size: number; sha256: string; recipe?: string; targetId?: string }>;
  sources: Array<{ pkg: SourcePackage; directory: string; recipe?: string; targetId?: string }>;
  pool: PoolStaging;
}

function identityFor(request: { config: PublishRequest['config']; suite: string }): ReleaseIdentity {
  return { origin: request.config.archive.origin, label: request.config.archive.label, suite: request.suite, codename: request.suite };
}

/** Check an artifact against its build result; its bytes when it is small enough to be read whole. */
async function checkArtifact(artifact: BuildArtifact): Promise<Buffer | undefined> {
  let bytes: Buffer | undefined;
  const digest = await (async () => {
    try {
      // A build result records sha256 and size only: the other hashes would be computed for nothing.
      if (statSync(artifact.file).size > WHOLE_READ_BYTES) return await sha256Of(artifact.file);
      bytes = readFileSync(artifact.file);
      return { size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
    } catch {
      throw new UserError(`${artifact.file}: build artifact is missing`);
    }
  })();
  if (digest.sha256 !== artifact.sha256 || digest.size !== artifact.size) {
    throw new UserError(`${artifact.file}: differs from the build result (sha256 or size changed since the build)`);
  }
  return bytes;
}

/**
 * Read and check the new packages and stage their pool files under temporary names (PoolStaging);
 * nothing is visible in the pool yet. On failure the staged files are removed.
 */
async function plan(request: PublishRequest, db: IndexDb): Promise<Placed> {
  const jobs = request.add.flatMap((item) => item.artifacts.filter((a) => a.kind === 'deb' || a.kind === 'dsc').map((artifact) => ({ item, artifact })));
  const pool = new PoolStaging(request.archive.root, jobs.length);
  const placed: Placed = { binaries: [], sources: [], pool };
  const planned = new Map<string, string>();
  /** Whether `to` is a new pool file; refuses new bytes under a published name. */
  const claim = (to: string, sha256: string, size: number): boolean => {
    const known = db.poolFile(to);
    const other = planned.get(to);
    if ((known && known.sha256 !== sha256) || (other !== undefined && other !== sha256)) {
      throw new UserError(`${to}: already published with different content; pool file names are immutable (new bytes need a new version)`, {
        hint: 'bump the package revision and build again',
      });
    }
    planned.set(to, sha256);
    const onDisk = path.join(request.archive.root, to);
    return !known || !existsSync(onDisk) || statSync(onDisk).size !== size;
  };
  const checkPolicy = (item: PublishRequest['add'][number], artifact: BuildArtifact, pkg: BinaryPackage | undefined, dsc: SourcePackage | undefined) => {
    const { policy } = item;
    if (!policy) return;
    const problems = pkg
      ? checkDebFields(policy, path.basename(artifact.file), stanzaFields(pkg.control, artifact.file))
      : checkDscFields(policy, path.basename(artifact.file), stanzaFields(dsc!.control, artifact.file));
    if (problems.length > 0) throw new UserError(describeProblems(policy, problems));
  };
  try {
    // Several packages at once; a .deb is read once, to hash it, parse it and write its pool file.
    const read = await mapLimit(jobs, READ_CONCURRENCY, async ({ item, artifact }) => {
      const bytes = await checkArtifact(artifact);
      if (artifact.kind === 'dsc') return { dsc: await readDsc(artifact.file) };
      const pkg = bytes ? await readDebBytes(bytes, artifact.file) : await readDeb(artifact.file);
      checkPolicy(item, artifact, pkg, undefined);
      if (!(ARCHITECTURES as readonly string[]).includes(pkg.arch)) {
        throw new UserError(`${artifact.file}: architecture ${pkg.arch} is not published (archive has ${ARCHITECTURES.join(', ')})`);
      }
      const filename = `${poolDir(item.policy?.source ?? pkg.source)}/${path.basename(artifact.file)}`;
      if (claim(filename, artifact.sha256, artifact.size)) {
        // The pool gets the very bytes that were hashed: the artifact may change on disk after the
        // check, and a second read would publish that under the build result's hash. Each buffer is
        // dropped once written, so a big batch holds at most READ_CONCURRENCY of them.
        if (bytes) await pool.write(filename, bytes);
        // Over WHOLE_READ_BYTES the file is streamed: hashed, then copied at commit.
        else pool.copy(filename, artifact.file);
      }
      return { deb: { pkg, filename } };
    });
    for (const [index, { item, artifact }] of jobs.entries()) {
      const { deb, dsc } = read[index]!;
      if (deb) {
        placed.binaries.push({ pkg: deb.pkg, filename: deb.filename, size: artifact.size, sha256: artifact.sha256, recipe: item.recipe, targetId: item.targetId });
      } else if (dsc) {
        checkPolicy(item, artifact, undefined, dsc);
        const directory = poolDir(item.policy?.source ?? dsc.name);
        for (const file of dsc.files) if (claim(`${directory}/${file.name}`, file.digest.sha256, file.digest.size)) pool.copy(`${directory}/${file.name}`, file.path);
        placed.sources.push({ pkg: dsc, directory, recipe: item.recipe, targetId: item.targetId });
      }
    }
  } catch (error) {
    await pool.discard();
    throw error;
  }
  return placed;
}

/** A stanza as fields for the artifact policy; a field given twice is refused, since readers disagree on which one counts. */
function stanzaFields(stanza: Stanza, file: string): Record<string, string> {
  const names = stanza.map(([key]) => key.toLowerCase());
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice) throw new UserError(`${file}: control field ${twice} is given more than once`);
  return Object.fromEntries(stanza);
}

function describe(row: { name: string; version: string; arch: string }, file = ''): PublishedPackage {
  return { name: row.name, version: row.version, arch: row.arch, file };
}

/** Remove on request, then keep the newest `keep` versions per package name and architecture. */
function prune(db: IndexDb, suite: string, keep: number, touched: Set<string>, remove: readonly RemoveSpec[]): PublishedPackage[] {
  const removed: PublishedPackage[] = [];
  for (const spec of remove) {
    for (const row of db.binaryKeys(suite)) {
      const matches = row.name === spec.name || row.source === spec.name;
      if (matches && (!spec.version || spec.version === row.version) && db.deleteBinary(suite, row.name, row.version, row.arch)) removed.push(describe(row));
    }
    for (const row of db.sourceKeys(suite, spec.name)) {
      if ((!spec.version || spec.version === row.version) && db.deleteSource(suite, row.name, row.version)) removed.push(describe({ ...row, arch: 'source' }));
    }
  }
  for (const name of touched) {
    const byArch = new Map<string, string[]>();
    for (const row of db.binaryKeys(suite, name)) byArch.set(row.arch, [...(byArch.get(row.arch) ?? []), row.version]);
    for (const [arch, versions] of byArch) {
      for (const version of versions.sort((a, b) => compare(b, a)).slice(keep)) {
        db.deleteBinary(suite, name, version, arch);
        removed.push(describe({ name, version, arch }));
      }
    }
    const sourceVersions = db.sourceKeys(suite, name).map((row) => row.version);
    for (const version of sourceVersions.sort((a, b) => compare(b, a)).slice(keep)) {
      db.deleteSource(suite, name, version);
      removed.push(describe({ name, version, arch: 'source' }));
    }
  }
  return removed;
}

/** Mark pool files nothing references any more; return those whose grace period has ended. */
function agePool(db: IndexDb, now: Date, graceHours: number): string[] {
  const referenced = db.referencedPoolPaths();
  const expired: string[] = [];
  const cutoff = now.getTime() - graceHours * HOUR_MS;
  for (const row of db.poolFiles()) {
    if (referenced.has(row.path)) {
      if (row.unreferencedSince) db.setUnreferenced(row.path, null);
    } else if (!row.unreferencedSince) db.setUnreferenced(row.path, now.toISOString());
    else if (Date.parse(row.unreferencedSince) <= cutoff) expired.push(row.path);
  }
  return expired;
}

/** by-hash files of earlier generations that are still within their grace period. */
function ageByHash(db: IndexDb, suite: string, current: Set<string>, now: Date, graceHours: number): string[] {
  const cutoff = now.getTime() - graceHours * HOUR_MS;
  const kept: string[] = [];
  const known = new Set<string>();
  for (const row of db.byHash(suite)) {
    known.add(row.path);
    if (current.has(row.path)) {
      if (row.supersededAt) db.setByHash(suite, row.path, null);
    } else if (!row.supersededAt) {
      db.setByHash(suite, row.path, now.toISOString());
      kept.push(row.path);
    } else if (Date.parse(row.supersededAt) > cutoff) kept.push(row.path);
    else db.deleteByHash(suite, row.path);
  }
  for (const file of current) if (!known.has(file)) db.setByHash(suite, file, null);
  return kept;
}

function indicesFromDb(db: IndexDb, suite: string): IndexContent[] {
  const join = (stanzas: string[]) => Buffer.from(stanzas.length ? `${stanzas.join('\n\n')}\n` : '');
  // binary-all lists the `all` rows of binary-amd64 in the same order: one query serves both, and
  // when every package is arch:all (common) both are the same bytes.
  const binaries = db.packagesStanzas(suite, ['amd64', 'all']);
  const amd64 = join(binaries.map(([stanza]) => stanza));
  const archAll = binaries.every(([, arch]) => arch === 'all') ? amd64 : join(binaries.filter(([, arch]) => arch === 'all').map(([stanza]) => stanza));
  return [
    { path: 'main/binary-amd64/Packages', data: amd64 },
    { path: 'main/binary-all/Packages', data: archAll },
    { path: 'main/source/Sources', data: join(db.sourcesStanzas(suite)) },
  ];
}

interface GenerationResult {
  genDir: string;
  date: Date;
  release: string;
}

/** Every folder under `dir` (not `dir` itself), flushed all at once. */
async function fsyncSubfolders(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  await Promise.all(entries.filter((entry) => entry.isDirectory()).map((entry) => fsyncTree(path.join(dir, entry.name))));
}

/** Steps 4 and 5: a complete, signed, self-checked generation folder beside the live one. */
async function buildGeneration(
  request: ResignRequest,
  db: IndexDb,
  signer: Promise<Signer>,
  keyring: string,
  previous: string | undefined,
  leftovers: Promise<void>,
  indices: IndexContent[],
): Promise<GenerationResult> {
  const { config, archive, suite } = request;
  const now = request.now?.() ?? new Date();
  const finalDir = path.join(generationsDir(archive.root, suite), String(generationNumber(previous) + 1));
  // A name of this publish's own: the leftovers of earlier ones are being removed meanwhile.
  const genDir = `${finalDir}.tmp-${process.pid}-${randomUUID()}`;
  await mkdir(genDir, { recursive: true });
  const { files, byHash } = await writeIndices(genDir, indices, previous);
  await carryByHash(previous, genDir, ageByHash(db, suite, byHash, now, config.archive.graceHours));
  // The index folders are complete: they are flushed while Release is made, signed and written.
  const indexFolders = fsyncSubfolders(genDir);
  indexFolders.catch(() => undefined);
  await checkpoint('indices');

  const previousRelease = previous && existsSync(path.join(previous, 'Release')) ? parseRelease(await readFile(path.join(previous, 'Release'), 'utf8')) : undefined;
  const date = nextReleaseDate(now, parseReleaseDate(previousRelease && field(previousRelease, 'Date')));
  const release = buildRelease(identityFor(request), date, config.archive.validDays, files);
  const ready = await signer;
  const [inRelease, releaseGpg] = await Promise.all([ready.clearsign(release), ready.detachSign(Buffer.from(release))]);
  await Promise.all([
    writeDurable(path.join(genDir, 'Release'), release),
    writeDurable(path.join(genDir, 'InRelease'), inRelease),
    writeDurable(path.join(genDir, 'Release.gpg'), releaseGpg),
  ]);
  // The self-check reads what was written while the folders are flushed (two gpgv and the hashes
  // beside a dozen fsyncs); both end before the rename. A failure surfaces when it is awaited.
  const checked = verifySuiteDir(genDir, keyring, new Date(Math.max(Date.now(), date.getTime())));
  checked.catch(() => undefined);
  await Promise.all([indexFolders, fsyncDir(genDir)]);
  await checkpoint('signed');

  const problems = await checked;
  if (problems.length > 0) {
    throw new UserError(`self-check of the new ${suite} generation failed; nothing went live:\n${problems.map((p) => `${p.file}: ${p.message}`).join('\n')}`);
  }
  // A crashed publisher's leftover may hold the final name.
  await leftovers;
  await rename(genDir, finalDir);
  await fsyncDir(path.dirname(finalDir));
  await checkpoint('checked');
  return { genDir: finalDir, date, release };
}

async function deletePoolFiles(db: IndexDb, root: string, files: readonly string[]): Promise<void> {
  for (const file of files) {
    await unlink(path.join(root, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    db.deletePoolFile(file);
  }
}

async function withArchive<T>(
  request: ResignRequest,
  work: (db: IndexDb, signer: Promise<Signer>, keyring: string, previous: string | undefined, leftovers: Promise<void>) => Promise<T>,
): Promise<T> {
  startSteps();
  const key = await requireSigningKey(request.config.stateDir, request.config.signingKey);
  // Checked before the lock makes the state folder, so that moving the old one there is the fix.
  if (!existsSync(request.archive.stateDir) && (await currentGeneration(request.archive.root, request.suite))) throw stateDoesNotKnow(request.archive, request.suite);
  const lock = await acquireLock(path.join(request.archive.stateDir, LOCK_FILE));
  const db = IndexDb.open(request.archive.stateDir);
  // Loading openpgp.js and reading the key (~50 ms of CPU) runs while the pool copies and the
  // indices wait for fsync and xz; it is awaited only to sign. A failure surfaces there, or not at
  // all when the publish fails first.
  const signer = archiveSigner(request.config.stateDir, key.fingerprint);
  signer.catch(() => undefined);
  let leftovers: Promise<void> = Promise.resolve();
  try {
    await checkpoint('locked');
    await mkdir(request.archive.root, { recursive: true });
    const keyring = await exportPublicKey(request.config.stateDir, key.fingerprint, request.archive.root);
    const previous = await currentGeneration(request.archive.root, request.suite);
    // Every generation freshet publishes leaves by-hash rows in the state.
    if (previous && !db.hasByHash(request.suite)) throw stateDoesNotKnow(request.archive, request.suite);
    // Generations left by a crashed publisher are never live, nor is the one before the previous:
    // they are removed while this publish works, and awaited before its generation takes a name.
    leftovers = pruneGenerations(request.archive.root, request.suite, previous ? [previous] : []);
    leftovers.catch(() => undefined);
    if (previous && existsSync(path.join(previous, 'Release'))) {
      checkIdentity(parseRelease(await readFile(path.join(previous, 'Release'), 'utf8')), identityFor(request), `${request.archive.root} suite ${request.suite}`);
    }
    return await work(db, signer, keyring, previous, leftovers);
  } catch (error) {
    db.rollback();
    throw error;
  } finally {
    db.close();
    await leftovers.catch(() => undefined);
    await lock.release();
  }
}

async function goLive(request: ResignRequest, db: IndexDb, previous: string | undefined, generation: GenerationResult, expired: string[]) {
  db.commit();
  await checkpoint('committed');
  await switchTo(request.archive.root, request.suite, generation.genDir);
  await checkpoint('switched');
  if (expired.length > 0) {
    db.begin();
    await deletePoolFiles(db, request.archive.root, expired);
    db.commit();
  }
  await pruneGenerations(request.archive.root, request.suite, previous ? [previous, generation.genDir] : [generation.genDir]);
  await checkpoint('cleaned');
}

function outcome(request: ResignRequest, generation: GenerationResult, added: PublishedPackage[], removed: PublishedPackage[], deletedFiles: string[]): PublishOutcome {
  const release = parseRelease(generation.release);
  return {
    family: 'deb',
    suite: request.suite,
    root: request.archive.root,
    generation: path.basename(generation.genDir),
    date: field(release, 'Date') ?? '',
    validUntil: field(release, 'Valid-Until') ?? '',
    added,
    removed,
    deletedFiles,
  };
}

export async function publishApt(request: PublishRequest): Promise<PublishOutcome> {
  return withArchive(request, async (db, signer, keyring, previous, leftovers) => {
    const now = request.now?.() ?? new Date();
    const placed = await plan(request, db);
    await placed.pool.commit();
    await checkpoint('pool');

    db.begin();
    const addedAt = now.toISOString();
    const touched = new Set<string>();
    const added: PublishedPackage[] = [];
    for (const { pkg, filename, size, sha256, recipe, targetId } of placed.binaries) {
      db.addPoolFile({ path: filename, sha256, size });
      db.putBinary({
        suite: request.suite, name: pkg.name, version: pkg.version, arch: pkg.arch, source: pkg.source,
        stanza: packagesStanza(pkg, filename, { size, sha256 }), filename,
        recipe: recipe ?? null, targetId: targetId ?? null, addedAt,
      });
      touched.add(pkg.name);
      added.push(describe(pkg, filename));
    }
    for (const { pkg, directory, recipe, targetId } of placed.sources) {
      for (const file of pkg.files) db.addPoolFile({ path: `${directory}/${file.name}`, sha256: file.digest.sha256, size: file.digest.size });
      db.putSource({
        suite: request.suite, name: pkg.name, version: pkg.version, stanza: sourcesStanza(pkg, directory),
        files: pkg.files.map((file) => `${directory}/${file.name}`), recipe: recipe ?? null, targetId: targetId ?? null, addedAt,
      });
      touched.add(pkg.name);
      added.push(describe({ name: pkg.name, version: pkg.version, arch: 'source' }, `${directory}/${path.basename(pkg.dsc)}`));
    }
    const removed = prune(db, request.suite, request.config.archive.keep, touched, request.remove ?? []);
    const expired = agePool(db, now, request.config.archive.graceHours);
    await checkpoint('recorded');

    const generation = await buildGeneration(request, db, signer, keyring, previous, leftovers, indicesFromDb(db, request.suite));
    await goLive(request, db, previous, generation, expired);
    log.info(request.archive.staging ? 'staged for the gate' : 'published', { suite: request.suite, root: request.archive.root, added: added.length, removed: removed.length, generation: path.basename(generation.genDir) });
    return outcome(request, generation, added, removed, expired);
  });
}

export async function resignApt(request: ResignRequest): Promise<PublishOutcome> {
  return withArchive(request, async (db, signer, keyring, previous, leftovers) => {
    if (!previous) throw new UserError(`${request.archive.root}: suite ${request.suite} was never published; nothing to re-sign`);
    const now = request.now?.() ?? new Date();
    db.begin();
    const expired = agePool(db, now, request.config.archive.graceHours);
    const generation = await buildGeneration(request, db, signer, keyring, previous, leftovers, await readIndices(previous));
    await goLive(request, db, previous, generation, expired);
    log.info('re-signed', { suite: request.suite, root: request.archive.root, validUntil: outcome(request, generation, [], [], []).validUntil });
    return outcome(request, generation, [], [], expired);
  });
}
