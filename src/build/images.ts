import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedTarget } from '../config/load.js';
import { ConfigError, UserError } from '../core/errors.js';
import { run } from '../core/exec.js';
import { log } from '../core/log.js';
import type { ContainerEngine, ImageInfo } from './engine/types.js';
import { OWNER_LABEL, ownerLabels, RUN_LABEL } from './labels.js';
import { containerfileFor, containersDir } from './paths.js';

/**
 * The three image layers of a target: base (the bare distribution), builder (toolchain, lintian,
 * the `builder` user) and deps (one recipe's build dependencies). Each is made only when its
 * cache key changes; the key is kept as an image label or in the tag.
 */
export const IMAGE_PREFIX = 'localhost/freshet';
export const imageRef = {
  base: (targetId: string) => `${IMAGE_PREFIX}/base:${targetId}`,
  builder: (targetId: string) => `${IMAGE_PREFIX}/builder:${targetId}`,
  deps: (targetId: string, key: string) => `${IMAGE_PREFIX}/deps:${targetId}-${key}`,
};

export const LABEL = {
  target: 'freshet.target',
  containerfile: 'freshet.containerfile.sha256',
  base: 'freshet.base.id',
  depsKey: 'freshet.deps.key',
} as const;

export interface ImageContext {
  engine: ContainerEngine;
  /** State folder; rootfs tarballs and image logs go to its images/ folder. */
  stateDir: string;
}

export interface ImageOutcome {
  ref: string;
  id: string;
  /** `cached`: the image was there; `tarball`: re-imported from the kept rootfs; `built`: made anew. */
  how: 'cached' | 'tarball' | 'built';
  durationMs: number;
}

function imagesDir(context: ImageContext): string {
  const dir = path.join(context.stateDir, 'images');
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function requireImage(engine: ContainerEngine, ref: string): Promise<ImageInfo> {
  const image = await engine.inspectImage(ref);
  if (!image) throw new UserError(`${engine.name} has no image ${ref} right after making it`);
  return image;
}

function bootstrapSource(target: ResolvedTarget): { mirror: string; suite: string; keyring: string | undefined } {
  if (!('bootstrap' in target.image)) {
    throw new ConfigError(`target ${target.id} uses the registry image ${target.image.registry}; only bootstrap targets are bootstrapped`, {
      hint: `pull it instead: podman pull ${target.image.registry}`,
    });
  }
  // RPM-on-Debian targets (debian-12-rpm) bootstrap Debian too; Fedora comes from its registry.
  if (target.family !== 'deb' && target.distro !== 'debian') {
    throw new ConfigError(`target ${target.id}: bootstrapping is only implemented for Debian-based targets`);
  }
  const { mirror, suite, keyring } = target.image.bootstrap;
  return { mirror: mirror.replace(/\/+$/, ''), suite: suite ?? target.codename, keyring };
}

/**
 * Make `localhost/freshet/base:<target>` from the distribution mirror with mmdebstrap (minbase:
 * apt and essential packages only). mmdebstrap writes the tarball itself, with no root tree
 * left on disk; the tarball is kept so that a lost image is re-imported in seconds.
 */
export async function bootstrapBase(target: ResolvedTarget, context: ImageContext, options: { force?: boolean } = {}): Promise<ImageOutcome> {
  const started = Date.now();
  const source = bootstrapSource(target);
  const ref = imageRef.base(target.id);
  const done = (id: string, how: ImageOutcome['how']): ImageOutcome => ({ ref, id, how, durationMs: Date.now() - started });
  if (!options.force) {
    const existing = await context.engine.inspectImage(ref);
    if (existing) return done(existing.id, 'cached');
  }
  const dir = imagesDir(context);
  const tarball = path.join(dir, `${target.id}-rootfs.tar`);
  const labels = { [LABEL.target]: target.id, 'freshet.suite': source.suite };
  if (!options.force && existsSync(tarball)) {
    await context.engine.importRootfs(tarball, ref, labels);
    return done((await requireImage(context.engine, ref)).id, 'tarball');
  }
  const partial = `${tarball}.${randomBytes(4).toString('hex')}.partial.tar`;
  const logFile = path.join(dir, `${target.id}-bootstrap.log`);
  rmSync(logFile, { force: true });
  log.info('bootstrapping base image', { target: target.id, suite: source.suite, mirror: source.mirror, log: logFile });
  try {
    await run(
      'mmdebstrap',
      [
        '--variant=minbase',
        `--mode=${process.getuid?.() === 0 ? 'root' : 'unshare'}`,
        ...(source.keyring ? [`--keyring=${source.keyring}`] : []),
        source.suite,
        partial,
        `deb ${source.mirror} ${source.suite} main`,
        `deb ${source.mirror} ${source.suite}-updates main`,
      ],
      { logFile, timeoutMs: 60 * 60_000 },
    );
    renameSync(partial, tarball);
  } finally {
    rmSync(partial, { force: true });
  }
  await context.engine.importRootfs(tarball, ref, labels);
  return done((await requireImage(context.engine, ref)).id, 'built');
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The Containerfile's sha256, or, when its folder holds files it COPYs (rpm macros, rpmlint
 * settings), the sha256 of all of them: a change to any one rebuilds the image.
 */
export function contextHash(containerfile: string): string {
  const dir = path.dirname(containerfile);
  const others = readdirSync(dir)
    .filter((name) => name !== path.basename(containerfile))
    .sort();
  if (others.length === 0) return sha256(readFileSync(containerfile));
  return sha256(
    Buffer.concat([containerfile, ...others.map((name) => path.join(dir, name))].map((file) => Buffer.concat([Buffer.from(`${path.basename(file)}\0`), readFileSync(file)]))),
  );
}

/**
 * Make `localhost/freshet/builder:<target>` from containers/<target>/Containerfile, over the
 * bootstrapped base or the registry image. Rebuilt only when the Containerfile's hash or the
 * base image changes (both kept as labels).
 */
export async function ensureBuilderImage(target: ResolvedTarget, context: ImageContext, options: { force?: boolean } = {}): Promise<ImageOutcome> {
  const started = Date.now();
  const containerfile = containerfileFor(target.id);
  if (!existsSync(containerfile)) {
    throw new ConfigError(`target ${target.id}: no builder definition at ${path.relative(process.cwd(), containerfile)}`, {
      hint: `targets with a Containerfile: see ${containersDir()}`,
    });
  }
  const fileHash = contextHash(containerfile);
  const base = 'bootstrap' in target.image ? (await bootstrapBase(target, context)).ref : target.image.registry;
  const baseId = 'bootstrap' in target.image ? (await requireImage(context.engine, base)).id : base;
  const ref = imageRef.builder(target.id);
  const existing = await context.engine.inspectImage(ref);
  if (!options.force && existing?.labels[LABEL.containerfile] === fileHash && existing.labels[LABEL.base] === baseId) {
    return { ref, id: existing.id, how: 'cached', durationMs: Date.now() - started };
  }
  const logFile = path.join(imagesDir(context), `${target.id}-builder.log`);
  rmSync(logFile, { force: true });
  log.info('building builder image', { target: target.id, base, log: logFile });
  await context.engine.buildImage(
    {
      contextDir: path.dirname(containerfile),
      containerfile,
      tag: ref,
      buildArgs: { BASE: base },
      labels: { [LABEL.target]: target.id, [LABEL.containerfile]: fileHash, [LABEL.base]: baseId },
      network: 'default',
    },
    { logFile },
  );
  return { ref, id: (await requireImage(context.engine, ref)).id, how: 'built', durationMs: Date.now() - started };
}

// One Debian relation per entry, alternatives allowed: `foo`, `foo:any (>= 1.2)`, `a | b`.
const relation = /^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?( ?\((<<|<=|=|>=|>>) ?[A-Za-z0-9.+~:-]+\))?( ?\[[!a-z0-9 -]+\])?( ?<[!a-z0-9. -]+>)?$/;

export function checkBuildDepends(buildDepends: readonly string[]): string[] {
  return buildDepends.map((entry) => {
    const trimmed = entry.trim();
    if (!trimmed.split('|').every((alternative) => relation.test(alternative.trim()))) {
      throw new UserError(`not a Debian build dependency: ${JSON.stringify(entry)}`);
    }
    return trimmed;
  });
}

/**
 * The deps image's cache key. With freshet's own suite as a source, the versions of the archive's
 * packages it may pull are part of it: a new provider build makes a new image, the same one is reused.
 */
export function depsKey(targetId: string, buildDepends: readonly string[], builderId: string, archiveVersions: readonly string[] = []): string {
  const sorted = [...new Set(buildDepends)].sort();
  const key = { target: targetId, deps: sorted, builder: builderId, ...(archiveVersions.length > 0 ? { archive: [...archiveVersions].sort() } : {}) };
  return sha256(JSON.stringify(key)).slice(0, 16);
}

/** freshet's own suite as a signed apt source for installing build dependencies. */
export interface ArchiveSource {
  /** Root of a staging copy of the archive: what is live plus what this run gated before. */
  root: string;
  /** The archive's public key (binary keyring). */
  keyring: string;
  suite: string;
  /** `recipe=packageVersion` of each archive recipe the build may take packages from (the cache key). */
  versions: string[];
}

// The archive's source and key are mounted for the install only and removed before the commit.
const ARCHIVE_INSTALL_SCRIPT =
  'set -eu; cp /freshet-apt/freshet.sources /etc/apt/sources.list.d/freshet.sources; apt-get update -q; ' +
  'apt-get satisfy -y -q --no-install-recommends "$1"; rm /etc/apt/sources.list.d/freshet.sources; apt-get clean; rm -rf /var/lib/apt/lists/*';

function archiveSourceFolder(archive: ArchiveSource): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-deps-'));
  // apt reads file:/ sources and keys as the unprivileged _apt user.
  chmodSync(dir, 0o755);
  copyFileSync(archive.keyring, path.join(dir, 'archive-keyring.gpg'));
  chmodSync(path.join(dir, 'archive-keyring.gpg'), 0o644);
  writeFileSync(
    path.join(dir, 'freshet.sources'),
    `Types: deb\nURIs: file:/freshet-archive\nSuites: ${archive.suite}\nComponents: main\nSigned-By: /freshet-apt/archive-keyring.gpg\n`,
    { mode: 0o644 },
  );
  return dir;
}

// apt-get satisfy takes Build-Depends syntax as is; the list arrives as "$1", never as shell text.
const INSTALL_SCRIPT =
  'set -eu; apt-get update -q; apt-get satisfy -y -q --no-install-recommends "$1"; apt-get clean; rm -rf /var/lib/apt/lists/*';

// dnf takes the BuildRequires one per argument ("$@"), never as shell text.
const DNF_INSTALL_SCRIPT = 'set -eu; dnf -y install --setopt=install_weak_deps=False "$@"; dnf clean all';
const rpmDependency = /^[A-Za-z0-9_.+()\/-]+( (<|<=|=|>=|>) [A-Za-z0-9._+~^:-]+)?$/;

/** BuildRequires for dnf: a name or `name op version` each, as rpm writes them. */
export function checkRpmBuildRequires(buildRequires: readonly string[]): string[] {
  return buildRequires.map((entry) => {
    const trimmed = entry.trim();
    if (!rpmDependency.test(trimmed)) throw new UserError(`not an RPM build dependency: ${JSON.stringify(entry)}`);
    return trimmed;
  });
}

/**
 * A layer over the builder with one recipe's build dependencies, so a rebuild does not install
 * them again. Installing needs the network; the build that later runs in this image does not
 * get it. Returns the builder itself when there is nothing to install.
 */
export async function ensureDepsImage(
  target: ResolvedTarget,
  buildDepends: readonly string[],
  context: ImageContext,
  installer: 'apt' | 'dnf' = 'apt',
  archive?: ArchiveSource,
): Promise<ImageOutcome> {
  const started = Date.now();
  const builder = await ensureBuilderImage(target, context);
  const deps = installer === 'dnf' ? checkRpmBuildRequires(buildDepends) : checkBuildDepends(buildDepends);
  if (deps.length === 0) return { ...builder, durationMs: Date.now() - started };
  const fromArchive = installer === 'apt' && archive && archive.versions.length > 0 ? archive : undefined;
  const key = depsKey(target.id, deps, builder.id, fromArchive?.versions);
  const ref = imageRef.deps(target.id, key);
  const existing = await context.engine.inspectImage(ref);
  if (existing) return { ref, id: existing.id, how: 'cached', durationMs: Date.now() - started };
  const name = `freshet-deps-${target.id}-${key}-${randomBytes(3).toString('hex')}`;
  const logFile = path.join(imagesDir(context), `deps-${target.id}-${key}.log`);
  rmSync(logFile, { force: true });
  log.info('installing build dependencies', { target: target.id, image: ref, log: logFile, archive: fromArchive?.versions });
  const sourceFolder = fromArchive && archiveSourceFolder(fromArchive);
  try {
    await context.engine.run(
      {
        image: builder.ref,
        command:
          installer === 'dnf'
            ? ['sh', '-c', DNF_INSTALL_SCRIPT, 'sh', ...[...new Set(deps)].sort()]
            : ['sh', '-c', fromArchive ? ARCHIVE_INSTALL_SCRIPT : INSTALL_SCRIPT, 'sh', [...new Set(deps)].sort().join(', ')],
        ...(fromArchive && sourceFolder && {
          mounts: [
            { source: sourceFolder, target: '/freshet-apt', readonly: true },
            { source: fromArchive.root, target: '/freshet-archive', readonly: true },
          ],
        }),
        name,
        network: 'default',
        user: 'root',
        env: { DEBIAN_FRONTEND: 'noninteractive' },
        labels: ownerLabels(name),
        capabilities: 'default',
        keep: true,
        timeoutMs: 60 * 60_000,
      },
      { logFile },
    );
    // The installing container's ownership labels would otherwise pass to every container of the image.
    await context.engine.commit(name, ref, [
      `LABEL ${LABEL.depsKey}=${key}`,
      `LABEL ${LABEL.target}=${target.id}`,
      `LABEL ${RUN_LABEL}=""`,
      `LABEL ${OWNER_LABEL}=""`,
      'USER builder',
    ]);
  } finally {
    await context.engine.removeContainers([name]);
    if (sourceFolder) rmSync(sourceFolder, { recursive: true, force: true });
  }
  return { ref, id: (await requireImage(context.engine, ref)).id, how: 'built', durationMs: Date.now() - started };
}
