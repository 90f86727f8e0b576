import { chmodSync, copyFileSync, existsSync, linkSync, lutimesSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, UserError } from '../../core/errors.js';
import { unpackArchive } from '../../fetch/unpack/index.js';
import type { Target } from '../../types.js';
import type { ResolvedRecipe } from '../../recipe/load.js';
import { renderDebianFiles, type RenderedFile } from './render.js';
import { rfc2822, type ChangelogEntry } from './view.js';

export type { ChangelogEntry } from './view.js';

/** Plain data: everything needed to write one Debian source package. */
export interface GenerateDebianInput {
  recipe: ResolvedRecipe;
  recipeFilesDir: string;
  target: Target;
  upstreamVersion: string;
  /** From the version planner (src/versioning/planner.ts). */
  packageVersion: string;
  /** The pristine upstream tarball. */
  tarball: string;
  /**
   * The upstream signature `tarball` was verified by, ASCII-armored (FetchedRelease.signature):
   * shipped as `<orig>.asc`, which dpkg-source lists in the .dsc and checks against
   * debian/upstream/signing-key.asc. Only for recipes that declare a signing key.
   */
  upstreamSignature?: string;
  /** The tarball's top folder, when known; otherwise the single top folder found when unpacking (or none). */
  tarballTopDir?: string;
  maintainer: string;
  /** The changelog entry's date: fixed by the caller, never the current time in here. */
  date: string | Date;
  /** Earlier changelog entries, newest first, kept below the new one. */
  changelog?: ChangelogEntry[];
  outDir: string;
}

export interface GeneratedSource {
  /** The unpacked source tree holding debian/: `<outDir>/<name>-<upstream>`. */
  sourceDir: string;
  /** Files written, relative to outDir, sorted. */
  files: string[];
}

const UPSTREAM_VERSION = /^[0-9][A-Za-z0-9.+~]*$/;
const PACKAGE_VERSION = /^([0-9]+:)?[0-9][A-Za-z0-9.+~]*-[A-Za-z0-9.+~]+$/;

/** dpkg-source names the orig tarball by its compression; these are the ones it reads. */
export function origCompression(tarball: string): string {
  const name = path.basename(tarball);
  const match = /\.(?:tar\.(gz|xz|bz2|lzma)|(tgz))$/.exec(name);
  if (!match) throw new UserError(`${name}: not a tarball dpkg-source can use (.tar.gz, .tgz, .tar.xz, .tar.bz2, .tar.lzma)`);
  return match[2] ? 'gz' : match[1]!;
}

function checkVersions(input: GenerateDebianInput): void {
  if (!UPSTREAM_VERSION.test(input.upstreamVersion)) {
    throw new ConfigError(`upstream version "${input.upstreamVersion}" is not a valid Debian upstream version`);
  }
  if (!PACKAGE_VERSION.test(input.packageVersion)) {
    throw new ConfigError(`package version "${input.packageVersion}" must be [epoch:]upstream-revision`);
  }
  const withoutEpoch = input.packageVersion.replace(/^[0-9]+:/, '');
  if (withoutEpoch.slice(0, withoutEpoch.lastIndexOf('-')) !== input.upstreamVersion) {
    throw new ConfigError(`package version "${input.packageVersion}" does not carry upstream version ${input.upstreamVersion}`);
  }
}

function placeUpstreamFile(tarball: string, destination: string): void {
  rmSync(destination, { force: true });
  try {
    linkSync(tarball, destination);
  } catch {
    copyFileSync(tarball, destination); // Another file system, or links not allowed.
  }
}

/**
 * Unpack with the safe unpacker (path and link escapes, size, entry-count and depth limits) into
 * a staging folder beside the tree, then move the upstream top folder into place.
 */
async function unpackUpstream(tarball: string, topDir: string | undefined, sourceDir: string): Promise<void> {
  const staging = path.join(path.dirname(sourceDir), `.${path.basename(sourceDir)}.upstream`);
  rmSync(staging, { recursive: true, force: true });
  try {
    const unpacked = await unpackArchive(tarball, staging);
    const top = topDir ?? unpacked.topDir;
    if (top !== undefined && (top.includes('/') || !existsSync(path.join(staging, top)))) {
      throw new UserError(`${path.basename(tarball)}: no top folder "${top}" in the tarball`);
    }
    renameSync(top === undefined ? staging : path.join(staging, top), sourceDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Give every file of the tree one timestamp. The unpacker writes files with the current time in
 * archive order, which makes `configure.ac` look newer than `configure` and sends make off to
 * rerun automake; equal times leave upstream's generated files current, and make the tree the
 * same on every run.
 */
function clampTimes(dir: string, when: Date): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) clampTimes(child, when);
    lutimesSync(child, when, when);
  }
  lutimesSync(dir, when, when);
}

function writeRendered(sourceDir: string, files: readonly RenderedFile[]): void {
  for (const file of files) {
    const target = path.join(sourceDir, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    chmodSync(target, file.mode);
  }
}

/** Write `<name>_<upstream>.orig.tar.<ext>` (and its `.asc`), the unpacked tree and its debian/ folder under outDir. */
export async function generateDebianSource(input: GenerateDebianInput): Promise<GeneratedSource> {
  checkVersions(input);
  if (input.upstreamSignature && !input.recipe.upstream.signature) {
    throw new ConfigError(`${input.recipe.name}: an upstream signature was given, but the recipe declares no upstream.signature key to check it with`);
  }
  const rendered = await renderDebianFiles(input);
  const name = input.recipe.name;
  const origName = `${name}_${input.upstreamVersion}.orig.tar.${origCompression(input.tarball)}`;
  const signatureName = `${origName}.asc`;
  const treeName = `${name}-${input.upstreamVersion}`;
  const sourceDir = path.join(input.outDir, treeName);
  mkdirSync(input.outDir, { recursive: true });
  placeUpstreamFile(input.tarball, path.join(input.outDir, origName));
  // dpkg-source picks up any <orig>.asc (or .sig) it finds: leave none but the one given.
  for (const stale of [signatureName, `${origName}.sig`]) rmSync(path.join(input.outDir, stale), { force: true });
  if (input.upstreamSignature) placeUpstreamFile(input.upstreamSignature, path.join(input.outDir, signatureName));
  rmSync(sourceDir, { recursive: true, force: true });
  await unpackUpstream(input.tarball, input.tarballTopDir, sourceDir);
  // 3.0 (quilt) replaces any debian/ shipped upstream; start from none so no stale file survives.
  rmSync(path.join(sourceDir, 'debian'), { recursive: true, force: true });
  writeRendered(sourceDir, rendered);
  clampTimes(sourceDir, new Date(rfc2822(input.date)));
  const upstreamFiles = input.upstreamSignature ? [origName, signatureName] : [origName];
  return { sourceDir, files: [...upstreamFiles, ...rendered.map((file) => `${treeName}/${file.path}`)] };
}

/** The debian/ files of a generated tree, relative to it, sorted: for diffs and the state copy. */
export function listDebianFiles(sourceDir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(sourceDir, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else found.push(child);
    }
  };
  walk('debian');
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
