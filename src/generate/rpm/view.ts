import { ConfigError, UserError } from '../../core/errors.js';
import { makeVariables } from '../../recipe/make-variables.js';
import { distinctRpmNames, inSpecOrder, mainPackageIndex } from '../../recipe/rpm-names.js';
import type { ResolvedRecipe } from '../../recipe/load.js';
import type { BuildSystem } from '../../recipe/schema.js';
import type { Target } from '../../types.js';
import { isSafeVersionString } from '../../versioning/upstream.js';
import { changelogInstant, DAYS, MONTHS, twoDigits } from '../dates.js';
import { DEFAULT_CHECK_TIMEOUT_MINUTES } from '../deb/view.js';

/**
 * Everything the spec template sees, computed from the recipe with no I/O. Version and Release
 * come from the version planner as literals: the Release already carries the distribution tag
 * (`0.fc41.freshet1`), so `%{?dist}` is not appended — it would put the tag after the rebuild
 * number and break the ordering of an older distribution release below a newer one.
 */
export interface RpmViewInput {
  recipe: ResolvedRecipe;
  target: Target;
  upstreamVersion: string;
  /** `[epoch:]version-release` from the planner. */
  packageVersion: string;
  maintainer: string;
  date: string | Date;
  /** Source0's file name (the upstream tarball as published). */
  tarballName: string;
  /** The tarball's top folder, for `%autosetup -n`; none when it has no single top folder. */
  topDir: string | undefined;
  /** Top-level files of the upstream tree that are licenses (COPYING, LICENSE…) and docs (README, NEWS…). */
  licenseFiles?: string[];
  docFiles?: string[];
  /** Per recipe package: true when the recipe named it for RPM itself (`name: {deb, rpm}`). */
  explicitNames?: boolean[];
}

export interface RpmPackageView {
  /** The RPM package name. */
  name: string;
  /** `%package`/`%description`/`%files` argument: empty for the main package, `devel`, or `-n other`. */
  header: string;
  main: boolean;
  summary: string;
  description: string;
  /** Recipe dependencies (RPM names). */
  requires: string[];
  /** The package this one needs at the same version-release: the library (`-libs` or main), else the main package. */
  requiresMain: string | undefined;
  buildArch: 'noarch' | undefined;
  /** `%files` lines; empty for a lone package (the list is made from the install tree). */
  files: string[];
  licenses: boolean;
}

const BUILD_REQUIRES: Record<BuildSystem, string[]> = {
  autotools: ['gcc', 'make'],
  cmake: ['cmake', 'gcc', 'gcc-c++'],
  meson: ['gcc', 'meson', 'ninja-build'],
  make: ['gcc', 'make'],
  python: ['python3-devel', 'pyproject-rpm-macros'],
  custom: ['gcc', 'make'],
};

/** What `autoreconf -fi` needs, as Fedora names it (the same names on Debian). */
export const AUTORECONF_REQUIRES = ['autoconf', 'automake', 'libtool'];

/** Whether %build regenerates the autotools files first (`build.autoreconf`, autotools only). */
export function autoreconf(recipe: Pick<ResolvedRecipe, 'build'>): boolean {
  return recipe.build.system === 'autotools' && recipe.build.autoreconf === true;
}

/** Placeholders in recipe `files`, as rpm macros. */
const PLACEHOLDERS: Record<string, string> = {
  libdir: '%{_libdir}',
  bindir: '%{_bindir}',
  sbindir: '%{_sbindir}',
  includedir: '%{_includedir}',
  datadir: '%{_datadir}',
  mandir: '%{_mandir}',
  docdir: '%{_docdir}',
  sysconfdir: '%{_sysconfdir}',
  prefix: '%{_prefix}',
};

/**
 * A recipe `files` entry as a `%files` line. The recipe's literal text is validated (letters,
 * digits, `_@+=:,.-/*`, no `%`), so only the placeholders become macros. Paths without a
 * placeholder are relative to `/`; man pages get a `*` because rpm compresses them after install.
 */
export function rpmFilePath(pattern: string, where: string): string {
  if (pattern.includes('%')) throw new ConfigError(`${where}: "%" is not allowed in a file pattern`);
  const expanded = pattern.replace(/\{([^}]*)\}/g, (_, name: string) => {
    const value = PLACEHOLDERS[name];
    if (value === undefined) throw new ConfigError(`${where}: unknown placeholder {${name}} (known: ${Object.keys(PLACEHOLDERS).join(', ')})`);
    return value;
  });
  const absolute = expanded.startsWith('%{') ? expanded : `/${expanded}`;
  return absolute.startsWith('%{_mandir}/') && !absolute.endsWith('*') ? `${absolute}*` : absolute;
}

/** `Wed Jan 01 2026`, the %changelog date, in UTC whatever the time zone or locale. */
export function changelogDate(date: string | Date): string {
  const when = changelogInstant(date);
  return `${DAYS[when.getUTCDay()]} ${MONTHS[when.getUTCMonth()]} ${twoDigits(when.getUTCDate())} ${when.getUTCFullYear()}`;
}

/** Epoch, Version and Release of a planner version `[epoch:]version-release`. */
export function splitEvr(packageVersion: string): { epoch: string | undefined; version: string; release: string } {
  const match = /^(?:(\d+):)?([A-Za-z0-9._+~^]+)-([A-Za-z0-9._+~^]+)$/.exec(packageVersion);
  if (!match) throw new ConfigError(`package version "${packageVersion}" is not an RPM [epoch:]version-release`);
  return { epoch: match[1] && match[1] !== '0' ? match[1] : undefined, version: match[2]!, release: match[3]! };
}

/** rpm finds a PatchN by its base name in SOURCES; patches are copied there flat. */
export function patchFileName(relative: string): string {
  return relative.split('/').pop()!;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Per package: name, `%package` header and what it requires of its siblings. */
function packageViews(input: Pick<RpmViewInput, 'recipe' | 'explicitNames'>): RpmPackageView[] {
  const { recipe } = input;
  const names = distinctRpmNames(recipe, input.explicitNames);
  const mainIndex = mainPackageIndex(recipe);
  // What the other packages need at the same version-release: the library when there is one, else the main package.
  const libraryIndex = recipe.packages.findIndex((pkg) => pkg.role === 'library');
  const coreIndex = libraryIndex >= 0 ? libraryIndex : mainIndex;
  const single = recipe.packages.length === 1;
  const views = recipe.packages.map((pkg, index): RpmPackageView => {
    const role = pkg.role ?? 'runtime';
    const main = index === mainIndex;
    const name = names[index]!;
    const header = main ? '' : name.startsWith(`${recipe.name}-`) ? name.slice(recipe.name.length + 1) : `-n ${name}`;
    return {
      name,
      header,
      main,
      summary: pkg.summary ?? recipe.summary,
      description: pkg.description ?? recipe.description,
      requires: [...pkg.depends],
      requiresMain: index !== coreIndex && role !== 'doc' && role !== 'data' ? names[coreIndex] : undefined,
      buildArch: (pkg.architecture ?? (role === 'doc' || role === 'data' ? 'all' : 'any')) === 'all' && !main ? 'noarch' : undefined,
      files: single ? [] : (pkg.files ?? []).map((file, fileIndex) => rpmFilePath(file, `packages[${index}].files[${fileIndex}]`)),
      licenses: main || role !== 'dev',
    };
  });
  // The main package comes first in the spec (its preamble is the spec's own).
  return inSpecOrder(recipe, views);
}

/**
 * The tarball's top folder comes from upstream and lands in `%autosetup -n`; rpm unquotes it and
 * writes it into %prep between single quotes without escaping a quote inside, so it must be as
 * plain as a version.
 */
function checkTopDir(input: RpmViewInput): void {
  const { topDir } = input;
  if (topDir === undefined || isSafeVersionString(topDir)) return;
  throw new UserError(`${input.recipe.name}: upstream tarball ${input.tarballName}: refusing top folder ${JSON.stringify(String(topDir).slice(0, 120))}`, {
    hint: 'a top folder name, like a version, is 1-100 characters of A-Z a-z 0-9 . + ~ _ - starting with a letter or digit',
  });
}

export function rpmView(input: RpmViewInput) {
  const { recipe, target } = input;
  checkTopDir(input);
  const names = recipe.patches.map(patchFileName);
  const clash = names.find((name, index) => names.indexOf(name) !== index);
  if (clash) throw new ConfigError(`${recipe.name}: patches: two patches are named ${clash}; rpm needs distinct file names`);
  const build = recipe.build;
  const evr = splitEvr(input.packageVersion);
  const packages = packageViews(input);
  const main = packages[0]!;
  const buildRequires = [...new Set([...BUILD_REQUIRES[build.system], ...(autoreconf(recipe) ? AUTORECONF_REQUIRES : []), ...recipe.buildDepends])].sort(byName);
  return {
    name: recipe.name,
    epoch: evr.epoch,
    version: evr.version,
    release: evr.release,
    summary: main.summary,
    description: main.description,
    license: recipe.license,
    url: recipe.homepage,
    source: input.tarballName,
    patches: recipe.patches.map((file, index) => ({ number: String(index), file: patchFileName(file) })),
    topDir: input.topDir,
    buildRequires,
    main,
    subpackages: packages.slice(1),
    single: packages.length === 1,
    licenseFiles: [...(input.licenseFiles ?? [])].sort(byName),
    docFiles: [...(input.docFiles ?? [])].sort(byName),
    build: {
      system: build.system,
      partial: `rpm-${build.system}`,
      configure: build.configure ?? [],
      make: build.make ?? [],
      makeVariables: makeVariables(build.make),
      env: Object.keys(build.env ?? {})
        .sort(byName)
        .map((name) => ({ name, value: build.env![name]! })),
      check: build.check ?? true,
      checkTimeoutMinutes: build.checkTimeoutMinutes ?? DEFAULT_CHECK_TIMEOUT_MINUTES,
      checkTimeoutSeconds: (build.checkTimeoutMinutes ?? DEFAULT_CHECK_TIMEOUT_MINUTES) * 60,
      autoreconf: autoreconf(recipe),
      subdir: build.subdir,
      steps: { build: build.steps?.build ?? [], install: build.steps?.install ?? [] },
    },
    changelog: [
      {
        date: changelogDate(input.date),
        maintainer: input.maintainer,
        evr: `${evr.epoch ? `${evr.epoch}:` : ''}${evr.version}-${evr.release}`,
        changes: [`Upstream release ${input.upstreamVersion}, packaged by freshet for ${target.id}.`],
      },
    ],
  };
}

export type RpmView = ReturnType<typeof rpmView>;
