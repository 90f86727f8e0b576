import { ConfigError } from '../../core/errors.js';
import { makeVariables } from '../../recipe/make-variables.js';
import type { ResolvedRecipe } from '../../recipe/load.js';
import type { BuildSystem } from '../../recipe/schema.js';
import type { Target } from '../../types.js';
import { dep5License, type LicenseStanza } from './licenses.js';
import { changelogInstant, DAYS, MONTHS, twoDigits } from '../dates.js';

/**
 * Everything the Debian templates see, computed from the recipe with no I/O: the templates only
 * lay it out, and helpers escape each value for its grammar.
 */
export const STANDARDS_VERSION = '4.7.2';

/**
 * Releases whose debian-policy predates STANDARDS_VERSION: a package built for them claims the
 * newest policy they know (lintian there warns newer-standards-version otherwise).
 */
const RELEASE_STANDARDS_VERSION: Record<string, string> = {
  bookworm: '4.6.2',
};

export function standardsVersionFor(target: Target): string {
  return (target.family === 'deb' ? RELEASE_STANDARDS_VERSION[target.codename] : undefined) ?? STANDARDS_VERSION;
}

export interface ChangelogEntry {
  version: string;
  distribution: string;
  urgency?: string;
  changes: string[];
  maintainer: string;
  /** RFC 2822, as dpkg-parsechangelog prints it. */
  date: string;
}

export interface DebianViewInput {
  recipe: ResolvedRecipe;
  target: Target;
  upstreamVersion: string;
  packageVersion: string;
  maintainer: string;
  date: string | Date;
  changelog?: ChangelogEntry[];
}

interface BinaryView {
  name: string;
  section: string | undefined;
  architecture: 'any' | 'all';
  multiArch: 'same' | 'foreign' | undefined;
  depends: string[];
  provides: string[];
  synopsis: string;
  description: string;
  install: string[];
}

const DH_BUILDSYSTEM: Record<BuildSystem, string | undefined> = {
  autotools: 'autoconf',
  cmake: 'cmake',
  meson: 'meson',
  make: 'makefile',
  python: 'pybuild',
  custom: undefined,
};

/** Minutes the upstream test suite may run when the recipe sets no build.checkTimeoutMinutes. */
export const DEFAULT_CHECK_TIMEOUT_MINUTES = 30;

const BUILD_SYSTEM_DEPENDS: Record<BuildSystem, string[]> = {
  autotools: [],
  cmake: ['cmake'],
  meson: ['meson', 'ninja-build'],
  make: [],
  python: ['dh-sequence-python3', 'python3-all', 'python3-setuptools', 'pybuild-plugin-pyproject'],
  custom: [],
};

/** Placeholders in recipe `files`, as Debian paths (`usr/lib/*` matches the multiarch folder). */
const PLACEHOLDERS: Record<string, string> = {
  libdir: 'usr/lib/*',
  bindir: 'usr/bin',
  sbindir: 'usr/sbin',
  includedir: 'usr/include',
  datadir: 'usr/share',
  mandir: 'usr/share/man',
  docdir: 'usr/share/doc',
  sysconfdir: 'etc',
  prefix: 'usr',
};

export function installPath(pattern: string, where: string): string {
  return pattern.replace(/\{([^}]*)\}/g, (_, name: string) => {
    const value = PLACEHOLDERS[name];
    if (value === undefined) throw new ConfigError(`${where}: unknown placeholder {${name}} (known: ${Object.keys(PLACEHOLDERS).join(', ')})`);
    return value;
  });
}

/** RFC 2822 in UTC, independent of TZ and locale. */
export function rfc2822(date: string | Date): string {
  const when = changelogInstant(date);
  const two = twoDigits;
  return `${DAYS[when.getUTCDay()]}, ${two(when.getUTCDate())} ${MONTHS[when.getUTCMonth()]} ${when.getUTCFullYear()} ${two(
    when.getUTCHours(),
  )}:${two(when.getUTCMinutes())}:${two(when.getUTCSeconds())} +0000`;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function binaryViews(recipe: ResolvedRecipe): BinaryView[] {
  const multiple = recipe.packages.length > 1;
  const library = recipe.packages.find((pkg) => pkg.role === 'library');
  return recipe.packages.map((pkg, index) => {
    const role = pkg.role ?? 'runtime';
    const architecture = pkg.architecture ?? (role === 'doc' || role === 'data' ? 'all' : 'any');
    const misc = '${misc:Depends}';
    const depends =
      role === 'dev'
        ? [...(library ? [`${library.name} (= \${binary:Version})`] : []), misc, ...pkg.depends]
        : architecture === 'all'
          ? [misc, ...pkg.depends]
          : ['${shlibs:Depends}', misc, ...pkg.depends];
    const section = role === 'library' ? 'libs' : role === 'dev' ? 'libdevel' : role === 'doc' ? 'doc' : undefined;
    const multiArch = role === 'library' || role === 'dev' ? 'same' : architecture === 'all' ? 'foreign' : undefined;
    return {
      name: pkg.name,
      section,
      architecture,
      multiArch,
      depends,
      provides: pkg.provides ?? [],
      synopsis: pkg.summary ?? recipe.summary,
      description: pkg.description ?? recipe.description,
      // A lone package receives the whole install tree; .install files only split several.
      install: multiple ? (pkg.files ?? []).map((file, fileIndex) => installPath(file, `packages[${index}].files[${fileIndex}]`)) : [],
    };
  });
}

/**
 * dh_makeshlibs would have dependent packages require `lib (>= <upstream>)`, which our own
 * `<upstream>-0~…` revisions do not satisfy; `~` admits every revision of this upstream version.
 */
function shlibsViews(recipe: ResolvedRecipe, packageVersion: string): Array<{ package: string; depends: string }> {
  const minimum = `${packageVersion.replace(/-[^-]*$/, '')}~`;
  return recipe.packages.filter((pkg) => pkg.role === 'library').map((pkg) => ({ package: pkg.name, depends: `${pkg.name} (>= ${minimum})` }));
}

function buildDepends(recipe: ResolvedRecipe): string[] {
  const extra = [...BUILD_SYSTEM_DEPENDS[recipe.build.system], ...recipe.buildDepends].filter((dep) => dep !== 'debhelper-compat');
  return ['debhelper-compat (= 13)', ...[...new Set(extra)].sort(byName)];
}

export function debianView(input: DebianViewInput) {
  const { recipe, target } = input;
  const build = recipe.build;
  const license = dep5License(recipe.license);
  const date = rfc2822(input.date);
  const year = date.split(' ')[3];
  const packages = binaryViews(recipe);
  const installDir = packages.length === 1 ? `debian/${packages[0]!.name}` : 'debian/tmp';
  const entry: ChangelogEntry = {
    version: input.packageVersion,
    distribution: target.codename,
    urgency: 'medium',
    changes: [`Upstream release ${input.upstreamVersion}, packaged by freshet for ${target.id}.`],
    maintainer: input.maintainer,
    date,
  };
  return {
    source: recipe.name,
    maintainer: input.maintainer,
    homepage: recipe.homepage,
    standardsVersion: standardsVersionFor(target),
    buildDepends: buildDepends(recipe),
    packages,
    changelog: [entry, ...(input.changelog ?? [])].map((item) => ({ ...item, urgency: item.urgency ?? 'medium' })),
    copyright: {
      upstreamName: recipe.name,
      source: recipe.homepage,
      holders: recipe.copyright,
      license: license.expression,
      packagingHolder: `${year} ${input.maintainer}`,
      stanzas: license.stanzas satisfies LicenseStanza[],
    },
    build: {
      system: build.system,
      dhBuildsystem: DH_BUILDSYSTEM[build.system],
      autoreconf: build.autoreconf ?? false,
      configure: build.configure ?? [],
      make: build.make ?? [],
      makeVariables: makeVariables(build.make),
      env: Object.keys(build.env ?? {})
        .sort(byName)
        .map((name) => ({ name, value: build.env![name]! })),
      check: build.check ?? true,
      checkTimeoutMinutes: build.checkTimeoutMinutes ?? DEFAULT_CHECK_TIMEOUT_MINUTES,
      checkTimeoutSeconds: (build.checkTimeoutMinutes ?? DEFAULT_CHECK_TIMEOUT_MINUTES) * 60,
      // Build machines are shared and containers CPU-limited: give meson's per-test timeouts room.
      testArgs: build.system === 'meson' ? ['--timeout-multiplier', '5'] : [],
      subdir: build.subdir,
      steps: { build: build.steps?.build ?? [], install: build.steps?.install ?? [] },
      installDir,
      shlibs: shlibsViews(recipe, input.packageVersion),
    },
    watch: watchView(recipe.upstream, recipe.name),
    tests: (recipe.gate?.smoke ?? []).map((command) => ({ command })),
  };
}

export type DebianView = ReturnType<typeof debianView>;

/**
 * debian/watch (uscan version 4) for the upstream kinds uscan can follow without freshet's help;
 * others get a comment.
 */
function watchView(upstream: ResolvedRecipe['upstream'], name: string) {
  let line: string | undefined;
  const options: string[] = [];
  if (upstream.kind === 'html-index' && !/\s/.test(upstream.pattern)) line = `${upstream.url} ${upstream.pattern}`;
  if (upstream.kind === 'github' && !upstream.asset && !upstream.api) {
    options.push(String.raw`filenamemangle=s%(?:.*?)?v?(\d[\d.]*)\.tar\.gz%@PACKAGE@-$1.tar.gz%`);
    line = String.raw`https://github.com/${upstream.repo}/tags (?:.*?/)?v?(\d[\d.]*)\.tar\.gz`;
  }
  if (upstream.kind === 'pypi' && !upstream.index) {
    line = String.raw`https://pypi.debian.net/${upstream.project}/${upstream.project}-(.+)\.(?:zip|tgz|tbz|txz|(?:tar\.(?:gz|bz2|xz)))`;
  }
  const filePattern = upstream.kind === 'html-index' ? upstream.pattern : upstream.kind === 'github' ? String.raw`(?:.*?/)?v?(\d[\d.]*)\.tar\.gz` : undefined;
  const mangle = line && upstream.signature ? signatureMangle(upstream.signature.url.replaceAll('{name}', name), filePattern, upstream.kind === 'html-index') : undefined;
  if (mangle) options.push(`pgpsigurlmangle=${mangle}`);
  return { kind: upstream.kind, line, options, signed: mangle !== undefined, unsigned: line !== undefined && upstream.signature !== undefined && mangle === undefined };
}

/**
 * uscan's pgpsigurlmangle: a substitution that turns the tarball URL uscan found into the
 * signature's. `{url}.sig` appends; a template with `{version}` (`…/sigs/foo-{version}.tar.gz.asc`)
 * matches the whole URL (group 1: the URL, 2: its folder, 3: the file pattern's one capture group,
 * the version) and writes the template with $1 for {url} and $3 for {version}. Undefined when uscan's
 * option syntax cannot hold it (a comma or quote; uscan splits opts on commas), or when `{url}`
 * means freshet's URL rather than the one uscan finds (GitHub's API tarball).
 */
function signatureMangle(template: string, filePattern: string | undefined, urlIsUscans: boolean): string | undefined {
  const suffix = /^\{url\}(\.[a-z]+)$/.exec(template)?.[1];
  if (suffix) return urlIsUscans ? `s/$/${suffix}/` : undefined;
  if (!filePattern || (template.includes('{url}') && !urlIsUscans)) return undefined;
  const separator = ['%', '|', '#', '@', '!'].find((candidate) => !template.includes(candidate) && !filePattern.includes(candidate));
  if (!separator || /[,"$\\]/.test(template)) return undefined;
  const replacement = template.replaceAll('{url}', '$1').replaceAll('{version}', '$3');
  const mangle = `s${separator}^((.*/)${filePattern})$${separator}${replacement}${separator}`;
  return /[,"]/.test(mangle) ? undefined : mangle;
}
