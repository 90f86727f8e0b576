import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readdir, readFile, rename, rm, statfs, symlink, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import PQueue from 'p-queue';
import { UserError } from '../../core/errors.js';
import { run } from '../../core/exec.js';
import { log } from '../../core/log.js';
import { checkRpmFields, describeProblems, RPM_LIST_TAGS } from '../../build/artifact-policy.js';
import { archiveSigner, exportPublicKey, KEYRING_ASC, requireSigningKey } from '../../sign/key.js';
import type { Signer } from '../../sign/openpgp-signer.js';
import type { BuildArtifact } from '../../types.js';
import { compare } from '../../versioning/rpm.js';
import { verifyRepoGeneration } from '../../verify/yum.js';
import { fsyncDir, fsyncPath } from '../fs-atomic.js';
import { checkpoint, startSteps } from '../checkpoint.js';
import { acquireLock } from '../lock.js';
import { stateDoesNotKnow } from '../state-match.js';
import type { PublishedPackage, PublishItem, PublishOutcome, PublishRequest, ResignRequest } from '../types.js';
import { sha256Of, type Sha256Digest } from '../../core/digest.js';
import { generationDir, liveGeneration, packagesDir, repoDir } from './layout.js';
import { parseRepomd } from './repomd.js';
import { signRpmFiles } from './sign.js';
import { loadRepoState, saveRepoState, stateFile, type PackageRow, type RepoState } from './state.js';

/**
 * Publishing a YUM repository (docs/rpm.md), in this order:
 *  1. lock the archive; export the archive key beside it;
 *  2. copy new packages into packages/, signing each copy in-process and checking it with rpmkeys
 *     before it takes its final name;
 *     a name already published must come from the same build artifact (immutable);
 *  3. retention and removals take packages out of the package list (files stay for the grace period);
 *  4. createrepo_c --update writes generation n+1's repodata from that list (a re-sign links the live
 *     generation's instead); superseded metadata files of the live generation are linked in and kept
 *     for the grace period;
 *  5. repomd.xml gets a detached armored signature, repomd.xml.asc (in-process, as the packages');
 *  6. self-check: the signature with gpgv, every file repomd.xml lists, and every package primary
 *     lists against the sha256 and size recorded when freshet placed it (see recordedDigests);
 *  7. record the state, then switch repodata to the new generation with one rename;
 *  8. delete generations and package files whose grace period ended.
 * Any failure before 7 leaves the live repository as it was. The checkpoints (src/publish/checkpoint.ts)
 * carry APT's names: locked (1), pool (2), recorded (3), indices (4), signed (5), checked (6),
 * committed (state saved), switched and cleaned (8).
 */
const LOCK_FILE = 'publish.lock';
const HOUR_MS = 3_600_000;

interface Context {
  request: ResignRequest;
  fingerprint: string;
  /** The archive key's in-process signer, made on first use. */
  signer: () => Promise<Signer>;
  keyring: string;
  live: string | undefined;
  state: RepoState;
  now: Date;
}

async function checkArtifact(artifact: BuildArtifact): Promise<void> {
  const digest = await sha256Of(artifact.file).catch(() => {
    throw new UserError(`${artifact.file}: build artifact is missing`);
  });
  if (digest.sha256 !== artifact.sha256 || digest.size !== artifact.size) {
    throw new UserError(`${artifact.file}: differs from the build result (sha256 or size changed since the build)`);
  }
}

const fileName = /^[A-Za-z0-9][A-Za-z0-9._+~^-]*\.rpm$/;

interface Staged {
  artifact: BuildArtifact;
  tmp: string;
  final: string;
  row: PackageRow;
}

/** Where a new package is copied, beside its final name; an already published name must come from the same artifact. */
function planPackage(
  context: Context,
  artifact: BuildArtifact,
  recipe: string | undefined,
  targetId: string | undefined,
  headers: Map<string, Record<string, string>>,
  published: Map<string, PackageRow>,
): Staged | undefined {
  const name = path.basename(artifact.file);
  if (!fileName.test(name)) throw new UserError(`${artifact.file}: not an RPM file name freshet publishes`);
  const relative = `packages/${name}`;
  const existing = published.get(relative);
  if (existing) {
    if (existing.artifactSha256 !== artifact.sha256) {
      throw new UserError(`${relative} is already published from a different build; published packages never change`, {
        hint: 'rebuild with a new rebuild number (freshet run does this when the recipe changes)',
      });
    }
    existing.removedAt = null;
    return undefined;
  }
  const fields = headers.get(artifact.file) ?? artifact.fields!;
  const dir = packagesDir(context.request.archive.root, context.request.suite);
  return {
    artifact,
    tmp: path.join(dir, `.${name}.tmp-${process.pid}.rpm`),
    final: path.join(dir, name),
    row: {
      file: relative,
      name: fields.NAME!,
      epoch: fields.EPOCHNUM ?? '0',
      version: fields.VERSION!,
      release: fields.RELEASE!,
      arch: name.endsWith('.src.rpm') ? 'src' : fields.ARCH!,
      artifactSha256: artifact.sha256,
      recipe: recipe ?? null,
      targetId: targetId ?? null,
      addedAt: context.now.toISOString(),
      removedAt: null,
    },
  };
}

const rpmArtifacts = (item: PublishItem) => item.artifacts.filter((artifact) => artifact.kind === 'rpm' || artifact.kind === 'srpm');

/** Sign the copies under their temporary names, then give them their final names: the pool never holds an unsigned package. */
async function placePackages(context: Context, items: PublishRequest['add']): Promise<PackageRow[]> {
  const staged: Staged[] = [];
  // One batch reads the headers of artifacts without header fields (not from a freshet build) and,
  // for an item with a recipe policy, of every artifact: as the APT publisher, this one trusts its own
  // reading of the files, not the build result's (case 32).
  const unread = items.flatMap((item) => rpmArtifacts(item).filter((artifact) => item.policy || !artifact.fields?.NAME));
  // Imported here: build/rpm.js loads the RPM generator and its templates, which a re-sign never needs.
  const read = unread.length === 0 ? [] : await (await import('../../build/rpm.js')).rpmFieldsOf(unread.map((artifact) => artifact.file), RPM_LIST_TAGS);
  const headers = new Map(unread.map((artifact, index) => [artifact.file, read[index]!]));
  for (const item of items) {
    const { policy } = item;
    if (!policy) continue;
    const problems = rpmArtifacts(item).flatMap((artifact) => checkRpmFields(policy, path.basename(artifact.file), artifact.kind as 'rpm' | 'srpm', headers.get(artifact.file)!));
    if (problems.length > 0) throw new UserError(describeProblems(policy, problems));
  }
  // Maps, not scans: a full publish of 100,000 packages would otherwise compare every pair.
  const published = new Map(context.state.packages.map((row) => [row.file, row]));
  const names = new Set<string>();
  try {
    for (const item of items) {
      for (const artifact of rpmArtifacts(item)) {
        if (names.has(path.basename(artifact.file))) continue;
        const entry = planPackage(context, artifact, item.recipe, item.targetId, headers, published);
        if (entry) {
          staged.push(entry);
          names.add(path.basename(artifact.file));
        }
      }
    }
    await mkdir(packagesDir(context.request.archive.root, context.request.suite), { recursive: true });
    await new PQueue({ concurrency: 8 }).addAll(
      staged.map((entry) => async () => {
        await checkArtifact(entry.artifact);
        await copyFile(entry.artifact.file, entry.tmp);
      }),
    );
    const keyDbCache = path.join(context.request.archive.stateDir, 'yum', 'rpmkeys');
    await signRpmFiles(await context.signer(), path.join(context.request.archive.root, KEYRING_ASC), staged.map((entry) => entry.tmp), keyDbCache);
    // Side by side: the file system commits the fsyncs in fewer journal flushes than one after another.
    // The digest is of the signed bytes that get the final name; the self-check holds primary.xml to it.
    await new PQueue({ concurrency: 16 }).addAll(
      staged.map((entry) => async () => {
        await fsyncPath(entry.tmp);
        Object.assign(entry.row, await sha256Of(entry.tmp));
      }),
    );
    for (const entry of staged) {
      await rename(entry.tmp, entry.final);
      context.state.packages.push(entry.row);
    }
    if (staged.length > 0) await fsyncDir(packagesDir(context.request.archive.root, context.request.suite));
    return staged.map((entry) => entry.row);
  } finally {
    for (const entry of staged) await rm(entry.tmp, { force: true });
  }
}

const evr = (row: PackageRow) => `${row.epoch}:${row.version}-${row.release}`;

/** Keep the newest `keep` versions of every (name, arch) in the list; older ones leave it now. */
function retain(state: RepoState, keep: number, now: Date): PackageRow[] {
  const groups = new Map<string, PackageRow[]>();
  for (const row of state.packages.filter((candidate) => candidate.removedAt === null)) {
    const key = `${row.name}\0${row.arch}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const removed: PackageRow[] = [];
  for (const rows of groups.values()) {
    rows.sort((a, b) => compare(evr(b), evr(a)));
    for (const row of rows.slice(keep)) {
      row.removedAt = now.toISOString();
      removed.push(row);
    }
  }
  return removed;
}

function describe(row: PackageRow): PublishedPackage {
  return { name: row.name, version: evr(row).replace(/^0:/, ''), arch: row.arch, file: row.file };
}

/** Files of the new repodata plus the live generation's superseded ones still within the grace period. */
async function carryMetadata(context: Context, newRepodata: string): Promise<void> {
  const fresh = new Set(await readdir(newRepodata));
  const graceMs = context.request.config.archive.graceHours * HOUR_MS;
  const superseded: Record<string, string> = {};
  const oldRepodata = context.live ? path.join(context.live, 'repodata') : undefined;
  for (const name of oldRepodata && existsSync(oldRepodata) ? await readdir(oldRepodata) : []) {
    if (fresh.has(name) || name === 'repomd.xml' || name === 'repomd.xml.asc') continue;
    const since = context.state.superseded[name] ?? context.now.toISOString();
    if (context.now.getTime() - Date.parse(since) >= graceMs) continue;
    await link(path.join(oldRepodata!, name), path.join(newRepodata, name));
    superseded[name] = since;
  }
  context.state.superseded = superseded;
}

/** createrepo_c reports a full disk as a bare "gzclose(): file operation error"; name the cause. */
async function explainFullDisk(dirs: readonly string[], error: unknown): Promise<never> {
  for (const dir of dirs) {
    const space = await statfs(dir).catch(() => undefined);
    if (space && space.bavail * space.bsize < 1024 * 1024) {
      throw new UserError(`${dir}: no space left on device (ENOSPC) while writing the YUM metadata; nothing went live`, {
        hint: 'free space on that file system and publish again',
        cause: error,
      });
    }
  }
  throw error;
}

/**
 * The self-check holds every package primary.xml lists to what the state recorded when freshet
 * placed it, and stats the file, without reading it again: a package was hashed after signing and
 * checked by rpmkeys when it was added, and a published file never changes (its name is immutable,
 * the pool is freshet's alone). So what a client checks (primary's sha256 and size against the
 * bytes it downloads) is what freshet checked once; hashing every package again on every publish
 * cost 600 MB of reads at 100,000 packages. `freshet verify` still hashes every package.
 * Rows from before digests were recorded are hashed here once; a file that cannot be read stays
 * unrecorded and the self-check hashes it, reporting it missing.
 */
async function recordedDigests(context: Context): Promise<Map<string, Sha256Digest | null>> {
  const repo = repoDir(context.request.archive.root, context.request.suite);
  const listed = context.state.packages.filter((row) => row.removedAt === null);
  await new PQueue({ concurrency: 16 }).addAll(
    listed
      .filter((row) => row.sha256 === undefined || row.size === undefined)
      .map((row) => async () => {
        const digest = await sha256Of(path.join(repo, row.file)).catch(() => undefined);
        if (digest) Object.assign(row, digest);
      }),
  );
  // Every listed row is in the map (null: no digest), so the self-check sees exactly what the state lists.
  return new Map(listed.map((row) => [row.file, row.sha256 !== undefined && row.size !== undefined ? { sha256: row.sha256, size: row.size } : null]));
}

/** createrepo_c writes genDir/repodata for the listed packages, reusing the live generation's entries. */
async function indexPackages(context: Context, genDir: string): Promise<void> {
  const { root } = context.request.archive;
  const repo = context.request.suite;
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'freshet-yum-'));
  try {
    const listed = context.state.packages.filter((row) => row.removedAt === null).map((row) => row.file).sort();
    const pkglist = path.join(scratch, 'pkglist');
    await writeFile(pkglist, listed.map((file) => `${file}\n`).join(''));
    await mkdir(packagesDir(root, repo), { recursive: true });
    await run(
      'createrepo_c',
      [
        // No --cachedir: it keys a checksum by header id, mtime and size, all of which a package
        // re-signed after a killed publish keeps (signatures are randomised, the size is not), so
        // it would list the killed attempt's bytes. Live packages never change: --update suffices.
        '--update',
        ...(context.live ? ['--update-md-path', context.live] : []),
        '--pkglist', pkglist,
        '--outputdir', genDir,
        '--no-database',
        '--retain-old-md', '0',
        '--workers', String(Math.max(1, Math.min(os.availableParallelism(), 4))),
        '--quiet',
        repoDir(root, repo),
      ],
      { timeoutMs: 60 * 60_000, env: { LC_ALL: 'C.UTF-8' } },
    ).catch((error: unknown) => explainFullDisk([genDir, scratch], error));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** What indexPackages' createrepo_c writes: the only kinds of metadata a re-sign signs without writing them again. */
const INDEXED_TYPES = new Set(['primary', 'filelists', 'other']);

/**
 * The live repomd.xml and the files it lists, hard-linked into the new repodata (carryMetadata adds
 * the superseded ones); false, linking nothing, when it lists a kind createrepo_c did not write here.
 */
async function linkLiveMetadata(live: string, repodata: string): Promise<boolean> {
  const liveRepodata = path.join(live, 'repodata');
  const entries = parseRepomd(await readFile(path.join(liveRepodata, 'repomd.xml'), 'utf8'));
  if (entries.some((entry) => !INDEXED_TYPES.has(entry.type))) {
    log.warn('the live repomd.xml lists metadata freshet does not write; indexing the packages again', { repodata: liveRepodata, types: entries.map((entry) => entry.type).join(',') });
    return false;
  }
  await mkdir(repodata);
  for (const name of ['repomd.xml', ...entries.map((entry) => path.basename(entry.href))]) await link(path.join(liveRepodata, name), path.join(repodata, name));
  return true;
}

/**
 * Generation n+1: its metadata, signature and self-check. A re-sign whose live generation is the
 * recorded one links that metadata instead of running createrepo_c again over every package (only
 * the signature is new); the self-check holds its primary.xml to exactly the packages the state lists.
 */
async function buildGeneration(context: Context, options: { resign?: boolean } = {}): Promise<string> {
  const { root } = context.request.archive;
  const repo = context.request.suite;
  const generation = context.state.generation + 1;
  const genDir = generationDir(root, repo, generation);
  await rm(genDir, { recursive: true, force: true });
  await mkdir(genDir, { recursive: true });
  const repodata = path.join(genDir, 'repodata');
  const { live } = context;
  const linked = options.resign && live && path.basename(live) === String(context.state.generation) && (await linkLiveMetadata(live, repodata));
  if (!linked) await indexPackages(context, genDir);
  await carryMetadata(context, repodata);
  await checkpoint('indices');
  const repomd = path.join(repodata, 'repomd.xml');
  await writeFile(`${repomd}.asc`, await (await context.signer()).detachSign(await readFile(repomd)), { mode: 0o644 });
  for (const name of await readdir(repodata)) await fsyncPath(path.join(repodata, name));
  await fsyncDir(repodata);
  await checkpoint('signed');
  const problems = await verifyRepoGeneration(repoDir(root, repo), genDir, context.keyring, await recordedDigests(context));
  if (problems.length > 0) {
    throw new UserError(`self-check of the new ${repo} repodata failed; nothing went live:\n${problems.map((p) => `${p.file}: ${p.message}`).join('\n')}`);
  }
  context.state.generation = generation;
  await checkpoint('checked');
  return genDir;
}

async function switchTo(root: string, repo: string, genDir: string): Promise<void> {
  const live = path.join(repoDir(root, repo), 'repodata');
  const next = path.join(repoDir(root, repo), `.repodata.switch-${process.pid}`);
  await rm(next, { force: true });
  await symlink(path.relative(path.dirname(live), path.join(genDir, 'repodata')), next);
  await rename(next, live);
  await fsyncDir(path.dirname(live));
}

/** Generations other than the live one and the one before it, and package files past their grace period. */
async function cleanUp(context: Context, genDir: string): Promise<string[]> {
  const { root } = context.request.archive;
  const repo = context.request.suite;
  const generations = path.dirname(genDir);
  const keep = new Set([path.basename(genDir), ...(context.live ? [path.basename(context.live)] : [])]);
  for (const entry of await readdir(generations)) {
    if (!keep.has(entry)) await rm(path.join(generations, entry), { recursive: true, force: true });
  }
  const graceMs = context.request.config.archive.graceHours * HOUR_MS;
  const expired = context.state.packages.filter((row) => row.removedAt !== null && context.now.getTime() - Date.parse(row.removedAt) >= graceMs);
  for (const row of expired) {
    await unlink(path.join(repoDir(root, repo), row.file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  if (expired.length > 0) {
    context.state.packages = context.state.packages.filter((row) => !expired.includes(row));
    await saveRepoState(context.request.archive.stateDir, repo, context.state);
  }
  return expired.map((row) => row.file);
}

async function withRepo<T>(request: ResignRequest, work: (context: Context) => Promise<T>): Promise<T> {
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(request.suite)) throw new UserError(`${request.suite}: not a YUM repository name`);
  startSteps();
  const key = await requireSigningKey(request.config.stateDir, request.config.signingKey);
  // Checked before the state folder is made, so that moving the old one there is the fix.
  if (!existsSync(request.archive.stateDir) && (await liveGeneration(request.archive.root, request.suite))) throw stateDoesNotKnow(request.archive, request.suite);
  await mkdir(request.archive.stateDir, { recursive: true });
  const lock = await acquireLock(path.join(request.archive.stateDir, LOCK_FILE));
  try {
    await checkpoint('locked');
    await mkdir(request.archive.root, { recursive: true });
    const keyring = await exportPublicKey(request.config.stateDir, key.fingerprint, request.archive.root);
    const live = await liveGeneration(request.archive.root, request.suite);
    if (live && !existsSync(stateFile(request.archive.stateDir, request.suite))) throw stateDoesNotKnow(request.archive, request.suite);
    const state = loadRepoState(request.archive.stateDir, request.suite);
    // Left by a crashed publish: unsigned temporaries are never listed; remove them.
    const dir = packagesDir(request.archive.root, request.suite);
    for (const entry of existsSync(dir) ? await readdir(dir) : []) if (entry.startsWith('.')) await rm(path.join(dir, entry), { force: true });
    let signer: Promise<Signer> | undefined;
    const lazySigner = () => (signer ??= archiveSigner(request.config.stateDir, key.fingerprint));
    return await work({ request, fingerprint: key.fingerprint, signer: lazySigner, keyring, live, state, now: request.now?.() ?? new Date() });
  } finally {
    await lock.release();
  }
}

function outcome(context: Context, genDir: string, added: PackageRow[], removed: PackageRow[], deletedFiles: string[]): PublishOutcome {
  return {
    family: 'rpm',
    suite: context.request.suite,
    root: context.request.archive.root,
    generation: path.basename(genDir),
    date: context.now.toISOString(),
    validUntil: '',
    added: added.map(describe),
    removed: removed.map(describe),
    deletedFiles,
  };
}

async function goLive(context: Context, genDir: string): Promise<string[]> {
  await saveRepoState(context.request.archive.stateDir, context.request.suite, context.state);
  await checkpoint('committed');
  await switchTo(context.request.archive.root, context.request.suite, genDir);
  await checkpoint('switched');
  const deleted = await cleanUp(context, genDir);
  await checkpoint('cleaned');
  return deleted;
}

export async function publishYum(request: PublishRequest): Promise<PublishOutcome> {
  return withRepo(request, async (context) => {
    const listedCount = () => context.state.packages.reduce((count, row) => count + (row.removedAt === null ? 1 : 0), 0);
    const listedBefore = listedCount();
    const added = await placePackages(context, request.add);
    await checkpoint('pool');
    const removed: PackageRow[] = [];
    for (const spec of request.remove ?? []) {
      for (const row of context.state.packages) {
        if (row.removedAt === null && row.name === spec.name && (!spec.version || spec.version === evr(row).replace(/^0:/, ''))) {
          row.removedAt = context.now.toISOString();
          removed.push(row);
        }
      }
    }
    removed.push(...retain(context.state, request.config.archive.keep, context.now));
    await checkpoint('recorded');
    // Publishing what is already live changes nothing: no new generation, the repository stays byte for byte.
    // (A live generation other than the recorded one is a publish killed before its switch: finish it.)
    const { live } = context;
    // Nothing added or removed, so the list changed only if a package was taken back into it, which the count shows.
    const unchanged = added.length === 0 && removed.length === 0 && listedCount() === listedBefore;
    if (live && path.basename(live) === String(context.state.generation) && unchanged) {
      log.info('nothing new to publish', { repo: request.suite, root: request.archive.root, generation: path.basename(live) });
      return outcome(context, live, added, removed, []);
    }
    const genDir = await buildGeneration(context);
    const deleted = await goLive(context, genDir);
    log.info(request.archive.staging ? 'staged for the gate' : 'published', { repo: request.suite, root: request.archive.root, added: added.length, removed: removed.length, generation: path.basename(genDir) });
    return outcome(context, genDir, added, removed, deleted);
  });
}

/** YUM metadata has no expiry date; re-signing writes a new generation signed with the current key. */
export async function resignYum(request: ResignRequest): Promise<PublishOutcome> {
  return withRepo(request, async (context) => {
    if (!context.live) throw new UserError(`${request.archive.root}: repository ${request.suite} was never published; nothing to re-sign`);
    const genDir = await buildGeneration(context, { resign: true });
    const deleted = await goLive(context, genDir);
    log.info('re-signed', { repo: request.suite, root: request.archive.root });
    return outcome(context, genDir, [], [], deleted);
  });
}
