import { copyFileSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, UserError } from '../../core/errors.js';
import { unpackArchive } from '../../fetch/unpack/index.js';
import type { ResolvedRecipe } from '../../recipe/load.js';
import type { Target } from '../../types.js';
import { renderSpec } from './render.js';
import { patchFileName, rpmView, splitEvr, type RpmViewInput } from './view.js';

/** Plain data: everything needed to write one rpmbuild tree (SPECS/ and SOURCES/). */
export interface GenerateRpmInput {
  recipe: ResolvedRecipe;
  recipeFilesDir: string;
  target: Target;
  upstreamVersion: string;
  /** From the version planner: `[epoch:]version-release`. */
  packageVersion: string;
  tarball: string;
  maintainer: string;
  /** The %changelog date: fixed by the caller, never the current time in here. */
  date: string | Date;
  /** Per recipe package: true when the recipe gave its RPM name itself. */
  explicitNames?: boolean[];
  outDir: string;
}

/** What the build checks its output against; written beside the spec as freshet-rpm.json. */
export interface RpmManifest {
  name: string;
  epoch: string | undefined;
  version: string;
  release: string;
  spec: string;
  packages: string[];
  /** The spec's BuildRequires, for the deps image of Fedora targets. */
  buildRequires: string[];
}

export const MANIFEST_FILE = 'freshet-rpm.json';

export interface GeneratedRpmSource {
  /** The rpmbuild top folder (SPECS/, SOURCES/). */
  sourceDir: string;
  specFile: string;
  manifest: RpmManifest;
  /** Files written, relative to sourceDir, sorted. */
  files: string[];
}

const LICENSE_FILE = /^(COPYING|LICEN[CS]E|COPYRIGHT|NOTICE)([.-][A-Za-z0-9.-]*)?$/i;
const DOC_FILE = /^(README|NEWS|AUTHORS|THANKS|CHANGES|CHANGELOG|HISTORY)(\.(md|txt|rst))?$/i;

interface UpstreamTree {
  topDir: string | undefined;
  licenseFiles: string[];
  docFiles: string[];
}

/** The tarball's top folder and its top-level license and doc files, through the safe unpacker. */
async function inspectTarball(tarball: string, scratchParent: string): Promise<UpstreamTree> {
  const scratch = mkdtempSync(path.join(scratchParent, '.freshet-rpm-'));
  try {
    const unpacked = await unpackArchive(tarball, path.join(scratch, 'tree'));
    const top = unpacked.topDir === undefined ? unpacked.dir : path.join(unpacked.dir, unpacked.topDir);
    // Empty files (pixman's AUTHORS and NEWS) are no documentation; rpmlint calls them errors.
    const regular = readdirSync(top).filter((name) => {
      const stats = lstatSync(path.join(top, name));
      return stats.isFile() && stats.size > 0 && /^[A-Za-z0-9._+-]+$/.test(name);
    });
    return {
      topDir: unpacked.topDir,
      licenseFiles: regular.filter((name) => LICENSE_FILE.test(name)),
      docFiles: regular.filter((name) => DOC_FILE.test(name)),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function place(from: string, to: string): void {
  rmSync(to, { force: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to); // Another file system, or links not allowed.
  }
}

function checkVersions(input: GenerateRpmInput): ReturnType<typeof splitEvr> {
  const evr = splitEvr(input.packageVersion);
  if (evr.version !== input.upstreamVersion.replaceAll('-', '.')) {
    throw new ConfigError(`package version "${input.packageVersion}" does not carry upstream version ${input.upstreamVersion}`);
  }
  return evr;
}

/** Write `<outDir>/SPECS/<name>.spec`, the tarball and patches in `<outDir>/SOURCES/`, and the manifest. */
export async function generateRpmSource(input: GenerateRpmInput): Promise<GeneratedRpmSource> {
  const evr = checkVersions(input);
  const tarballName = path.basename(input.tarball);
  if (!/^[A-Za-z0-9][A-Za-z0-9._+~-]*$/.test(tarballName)) throw new UserError(`${tarballName}: not a file name rpm can use as Source0`);
  mkdirSync(input.outDir, { recursive: true });
  const tree = await inspectTarball(input.tarball, input.outDir);
  const viewInput: RpmViewInput = { ...input, tarballName, ...tree };
  const spec = renderSpec(viewInput);
  const name = input.recipe.name;
  const sources = path.join(input.outDir, 'SOURCES');
  const specs = path.join(input.outDir, 'SPECS');
  rmSync(sources, { recursive: true, force: true });
  rmSync(specs, { recursive: true, force: true });
  mkdirSync(sources, { recursive: true });
  mkdirSync(specs, { recursive: true });
  place(input.tarball, path.join(sources, tarballName));
  const files = [`SOURCES/${tarballName}`, `SPECS/${name}.spec`, MANIFEST_FILE];
  for (const [index, patch] of input.recipe.patches.entries()) {
    if (path.isAbsolute(patch) || patch.split('/').includes('..')) throw new ConfigError(`patches[${index}]: "${patch}" must be inside the recipe folder`);
    copyFileSync(path.join(input.recipeFilesDir, patch), path.join(sources, patchFileName(patch)));
    files.push(`SOURCES/${patchFileName(patch)}`);
  }
  const specFile = path.join(specs, `${name}.spec`);
  writeFileSync(specFile, spec, { mode: 0o644 });
  const view = rpmView(viewInput);
  const manifest: RpmManifest = {
    ...evr,
    name,
    spec: `SPECS/${name}.spec`,
    packages: [view.main.name, ...view.subpackages.map((pkg) => pkg.name)],
    buildRequires: view.buildRequires,
  };
  writeFileSync(path.join(input.outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return { sourceDir: input.outDir, specFile, manifest, files: files.sort() };
}
