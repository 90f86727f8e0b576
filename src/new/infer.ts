import type { BinaryPackage, Dependency, Gate, Recipe } from '../recipe/schema.js';
import { escapeRegex, packageNameOf } from './archive-name.js';
import { detectBuildSystem } from './build-system.js';
import { fromCmake, fromConfigureAc, fromMeson, uniqueDependencies, type DetectedDependency } from './dependencies.js';
import { detectLibrary, libraryPackageName, NOT_INSTALLED_DIR, type LibraryGuess } from './library.js';
import { copyrightLines, fingerprintLicense, guessLicense, isLicenseFile } from './license.js';
import { detectMetadata } from './metadata.js';
import type { SourceTree } from './tree.js';
import type { UpstreamGuess } from './upstream.js';
import { normalizeUpstream } from '../versioning/upstream.js';

/** A comment for the recipe: the field it sits above, and what freshet guessed or could not tell. */
export interface Annotation {
  path: Array<string | number>;
  text: string;
}

export interface Inference {
  recipe: Recipe;
  annotations: Annotation[];
  /** What was found, for the command's report. */
  detected: {
    buildSystem: string;
    license: string;
    dependencies: DetectedDependency[];
    library?: LibraryGuess;
    /** The version command the gate runs: `less --version`, `tmux -V`. */
    program?: string;
  };
}

export interface InferInput {
  tree: SourceTree;
  upstream: UpstreamGuess;
  /** --name, else from the URL. */
  name?: string;
  /** sha256 of the release freshet downloaded, pinned for this version. */
  sha256?: string;
  /** A signature file seen beside the tarball upstream (`foo-1.0.tar.gz.sig`). */
  signatureUrl?: string;
}

const SOURCE_FILE = /\.(c|h|cc|cpp|cxx|hh|hpp|y|l)$/;

/** The header comments of a few source files: where GPL "or any later version" is stated. */
function sourceHeaders(tree: SourceTree): string[] {
  return tree.files
    .filter((file) => SOURCE_FILE.test(file))
    .slice(0, 12)
    .map((file) => (tree.read(file) ?? '').slice(0, 3000));
}

/** Headers of source files beyond the first few, where other holders' names appear. */
function moreHeaders(tree: SourceTree): string[] {
  return tree.files
    .filter((file) => SOURCE_FILE.test(file))
    .slice(12, 60)
    .map((file) => (tree.read(file) ?? '').slice(0, 1500));
}

function dependenciesOf(tree: SourceTree): DetectedDependency[] {
  const found: DetectedDependency[] = [];
  const configure = tree.has('configure.ac') ? 'configure.ac' : tree.has('configure.in') ? 'configure.in' : undefined;
  if (configure) found.push(...fromConfigureAc(tree.read(configure) ?? '', configure));
  // What only the tests or examples need (libcbor's test/ finds CMocka REQUIRED) is optional for the package.
  const asOptional = (file: string, dependencies: DetectedDependency[]) => (NOT_INSTALLED_DIR.test(file) ? dependencies.map((dependency) => ({ ...dependency, optional: true })) : dependencies);
  for (const file of tree.files.filter((name) => /(^|\/)CMakeLists\.txt$/.test(name) && name.split('/').length <= 2)) {
    found.push(...asOptional(file, fromCmake(tree.read(file) ?? '', file)));
  }
  for (const file of tree.files.filter((name) => /(^|\/)meson\.build$/.test(name) && name.split('/').length <= 2)) {
    found.push(...asOptional(file, fromMeson(tree.read(file) ?? '', file)));
  }
  return uniqueDependencies(found);
}

/** The variable a plain Makefile installs libraries under (xxHash: LIBDIR ?= $(libdir)), the one the install rule uses first. */
function makefileText(tree: SourceTree): string {
  return ['GNUmakefile', 'Makefile', 'makefile'].map((file) => tree.read(file)).find((text) => text !== undefined) ?? '';
}

function makefileLibdir(tree: SourceTree): string | undefined {
  const makefile = makefileText(tree);
  const defined = ['LIBDIR', 'libdir'].filter((variable) => new RegExp(`^${variable}\\s*[?:]?=`, 'm').test(makefile));
  return defined.find((variable) => makefile.includes(`$(DESTDIR)$(${variable})`)) ?? defined[0];
}

/** A program named like the project, with a man page or source, and the flag that prints its version. */
function obviousProgram(tree: SourceTree, names: readonly string[]): { name: string; versionFlag: string } | undefined {
  for (const name of names) {
    // Man pages as grep (doc/grep.in.1) and less (less.nro) ship them.
    const manNames = [`${name}.1`, `${name}.1.in`, `${name}.in.1`, `${name}.nro`, `${name}.man`];
    const man = tree.files.find((file) => manNames.includes(file.split('/').pop()!));
    const main = tree.files.find((file) => new RegExp(`(^|/)${name}\\.c$`).test(file) || file === `src/${name}.c`);
    if (!man && !main) continue;
    const texts = [man, main, ...tree.files.filter((file) => /\.c$/.test(file)).slice(0, 40)].filter(Boolean).map((file) => tree.read(file!) ?? '');
    // --version in a man page or usage text, or getopt_long's {"version", …} entry (grep).
    if (texts.some((text) => /--version|\\-\\-version|\{\s*"version"\s*,\s*(no_argument|0)\b/.test(text))) return { name, versionFlag: '--version' };
    // Only -V, documented next to the word version (tmux: ".It Fl V / Report the tmux version").
    const manText = man ? (tree.read(man) ?? '') : '';
    if (/^\.It Fl V\b(?:.*\n){0,3}.*\bversion\b/m.test(manText) || /\\-V\b.{0,80}\bversion\b/i.test(manText)) return { name, versionFlag: '-V' };
  }
  return undefined;
}

/** Does the install also put programs in bindir (xxhsum beside libxxhash)? Read from the build files, not run. */
function installsPrograms(tree: SourceTree): boolean {
  const texts = tree.files.filter((file) => /(^|\/)(Makefile(\.am)?|makefile|GNUmakefile|CMakeLists\.txt|meson\.build)$/.test(file) && file.split('/').length <= 2 && !NOT_INSTALLED_DIR.test(file)).map((file) => tree.read(file) ?? '');
  // CMake's RUNTIME DESTINATION also places a library's Windows DLL: it means programs only beside an add_executable.
  return texts.some((text) => /^\s*(s?bin_PROGRAMS|bin_SCRIPTS)\s*\+?=/m.test(text) || /\$\(DESTDIR\)\$\((BINDIR|bindir)\)/.test(text) || /\bexecutable\([^)]*install\s*:\s*true/s.test(text) || (/install\s*\(\s*TARGETS[^)]*RUNTIME/i.test(text) && /add_executable\s*\(/i.test(text)));
}

/** A man page of this section in the tree (xxhsum.1, fribidi's doc/*.3): without one, a {mandir}/manN glob would match nothing and dh_install fails. */
function hasManPages(tree: SourceTree, section: 1 | 3): boolean {
  return tree.files.some((file) => new RegExp(`\\.${section}(\\.in)?$|\\.in\\.${section}$`).test(file));
}

function packagesFor(name: string, summary: string, library: LibraryGuess | undefined, programs: boolean, tree: SourceTree): BinaryPackage[] {
  if (!library) return [{ name }];
  const dev: string[] = ['{includedir}/*', '{libdir}/lib*.so'];
  if (library.pkgConfig) dev.push('{libdir}/pkgconfig/*');
  if (library.cmakeConfig) dev.push('{libdir}/cmake/*');
  // The API's man pages go with the headers, as in Debian's libfribidi-dev.
  if (hasManPages(tree, 3)) dev.push('{mandir}/man3/*');
  // A plain Makefile that also installs the static library (xxHash's libxxhash.a): dh_missing refuses it unlisted.
  if (library.from.includes('-soname') && makefileText(tree).includes(`lib${library.name}.a`)) dev.push('{libdir}/lib*.a');
  const manPages = hasManPages(tree, 1);
  const runtime = libraryPackageName(library);
  return [
    // The programs keep the project's name, as Debian's xxhash beside libxxhash0.
    ...(programs && name !== runtime ? [{ name, summary: `${summary.slice(0, 72)} (programs)`, files: ['{bindir}/*', ...(manPages ? ['{mandir}/man1/*'] : [])] }] : []),
    // Own synopses: lintian refuses a long description that only repeats the synopsis.
    { name: runtime, role: 'library' as const, summary: `${summary.slice(0, 70)} (runtime)`, files: ['{libdir}/lib*.so.*'] },
    { name: `lib${library.name.replace(/_/g, '-')}-dev`, role: 'dev' as const, summary: `${summary.slice(0, 66)} (development)`, files: dev },
  ];
}

function gateFor(program: { name: string; versionFlag: string } | undefined, library: LibraryGuess | undefined, upstream: UpstreamGuess): Gate | undefined {
  // A version spelled as in the tarball name (3.5a too) is how the program prints it; a mangled one (mawk's date) is not.
  const asPrinted = watchedVersion(upstream) === upstream.version.replace(/^[vV](?=\d)/, '');
  // pkg-config finds the installed .pc on both families (the RPM gate on Debian sets PKG_CONFIG_PATH for
  // /usr/lib64, which ldconfig's cache does not list) and checks the version too.
  if (library?.pkgConfig) return { smoke: [['pkg-config', '--modversion', library.pkgConfig]], requires: ['pkg-config'], expect: '^{version}$' };
  // Without a .pc, ldconfig (in every base image): the runtime library must be registered.
  if (library) return { smoke: [['ldconfig', '-p']], expect: `lib${escapeRegex(library.name)}\\.so${library.soversion ? `\\.${escapeRegex(library.soversion)}` : ''}` };
  if (program) return { smoke: [[program.name, program.versionFlag]], ...(asPrinted ? { expect: '{version}' } : {}) };
  return undefined;
}

/** The version as watch will record it (mangled, then normalized): the key a pinned hash is looked up by. */
export function watchedVersion(upstream: UpstreamGuess): string {
  let version = upstream.version;
  for (const rule of upstream.upstream.mangle ?? []) version = version.replace(new RegExp(rule.match, 'g'), rule.replace);
  return normalizeUpstream(version);
}

export function inferRecipe(input: InferInput): Inference {
  const { tree, upstream } = input;
  const annotations: Annotation[] = [];
  const note = (path: Annotation['path'], text: string) => annotations.push({ path, text });

  const name = input.name ?? packageNameOf(upstream.name);
  const metadata = detectMetadata(tree, upstream.name);
  const build = detectBuildSystem(tree);
  const licenseFiles = tree.files.filter((file) => !file.includes('/') && isLicenseFile(file));
  const headers = sourceHeaders(tree);
  const fromFiles = guessLicense(licenseFiles.map((file) => ({ name: file, text: tree.read(file) ?? '' })), headers);
  // A license the build metadata states in SPDX settles what the license texts left uncertain.
  const license = !fromFiles.certain && metadata.license ? { spdx: metadata.license.spdx, certain: true, note: `from ${metadata.license.from}${fromFiles.note ? `; the license files: ${fromFiles.note}` : ''}` } : fromFiles;
  // The GPL texts carry the FSF's copyright of the license itself, not the project's.
  const ownTexts = licenseFiles.map((file) => tree.read(file) ?? '').filter((text) => !/GPL/.test(fingerprintLicense(text) ?? ''));
  // AUTHORS and NOTICE name holders the headers of the first few files may not.
  const holderFiles = tree.files.filter((file) => /^(AUTHORS|NOTICE|COPYRIGHT)(\.(md|txt))?$/i.test(file)).map((file) => tree.read(file) ?? '');
  const copyright = copyrightLines([...ownTexts, ...headers, ...holderFiles, ...moreHeaders(tree)]);
  const dependencies = dependenciesOf(tree);
  const library = build ? detectLibrary(tree, build.system) : undefined;
  const program = library ? undefined : obviousProgram(tree, [...new Set([name, upstream.name.toLowerCase(), metadata.projectName?.toLowerCase() ?? name])]);

  const summary = metadata.summary?.text || `${name} ${library ? 'library' : 'program'}`;
  if (metadata.summary) note(['summary'], `from ${metadata.summary.from}; check it reads well as a one-line synopsis`);
  else note(['summary'], 'GUESS: nothing in the tarball says what this is; write a synopsis');
  const description = metadata.description?.text ?? `${summary.charAt(0).toUpperCase()}${summary.slice(1)}.\n`;
  note(['description'], metadata.description ? `from ${metadata.description.from}` : 'GUESS: no README paragraph found; describe the package');
  const page = metadata.homepage ?? (upstream.homepage ? { url: upstream.homepage, from: 'the download URL' } : metadata.readmeHomepage);
  const homepage = page?.url ?? ('url' in upstream.upstream ? String(upstream.upstream.url) : `https://example.org/${name}`);
  note(['homepage'], page ? `from ${page.from}` : 'GUESS: no homepage found; this is the download folder');
  note(['license'], `${license.certain ? '' : 'UNCERTAIN: '}${license.note ?? ''}`.trim());
  if (copyright.length === 0) note(['copyright'], 'GUESS: no copyright line found in the license file or source headers');
  else note(['copyright'], 'from the license file and source headers; add missing holders');

  // A signature beside the tarball is checked from the first build: only the key is left to the packager.
  const signature = input.signatureUrl ? { url: `{url}${input.signatureUrl.slice(input.signatureUrl.lastIndexOf('.'))}`, key: 'keys/signing-key.asc' } : undefined;
  const upstreamSection = { ...upstream.upstream, ...(signature ? { signature } : {}), ...(input.sha256 ? { sha256: { [watchedVersion(upstream)]: input.sha256 } } : {}) };
  note(['upstream'], upstream.notes.join('; ') || `a ${upstream.upstream.kind} upstream`);
  if (upstream.upstream.kind === 'github') {
    note(['upstream', 'kind'], `github asks api.github.com; where only the tag archives are reachable (a mirror), use kind: html-index with url: https://github.com/${upstream.upstream.repo}/archive/refs/tags/ and a pattern for the tag`);
  }
  if (input.sha256) note(['upstream', 'sha256'], `the hash of the tarball freshet new downloaded (trust on first use); prefer a signature or a checksum file`);
  if (input.signatureUrl) {
    note(['upstream', 'signature'], `upstream signs releases (${input.signatureUrl}): put its OpenPGP key at recipes/${name}/keys/signing-key.asc (lint refuses the recipe until it is there), or delete signature: to rely on the pinned sha256 alone`);
  }

  const buildSection: Recipe['build'] = build
    ? { system: build.system, ...(build.autoreconf ? { autoreconf: true } : {}), ...(build.system === 'cmake' && library?.sharedByOption ? { configure: ['-DBUILD_SHARED_LIBS=ON'] } : {}) }
    : { system: 'custom' };
  if (buildSection.configure) note(['build', 'configure'], `${library!.from} is shared only with BUILD_SHARED_LIBS, as Debian builds it`);
  const libdirVariable = build?.system === 'make' ? makefileLibdir(tree) : undefined;
  if (libdirVariable) {
    // A plain Makefile installs into $(PREFIX)/lib; Debian's {libdir} is the multiarch folder.
    buildSection.make = [`${libdirVariable}={libdir}`];
    note(['build', 'make'], `the Makefile's ${libdirVariable} defaults to $(PREFIX)/lib; the packages expect {libdir}`);
  }
  if (!build) note(['build'], 'GUESS: no configure, CMakeLists.txt, meson.build, setup.py or Makefile at the top of the tarball; write the steps');
  else note(['build', 'system'], `from ${build.file}${build.alternatives.length ? `; the tarball also has ${build.alternatives.join(', ')}` : ''}`);
  if (build?.system === 'make') note(['build', 'system'], 'plain make: freshet passes PREFIX=/usr to make and make install; add make: [VAR=value] for other variables');

  // Only names the dependency map knows become entries: any other would fail explain and the build.
  const required = dependencies.filter((dependency) => !dependency.optional && dependency.known);
  const unknown = dependencies.filter((dependency) => !dependency.optional && !dependency.known);
  const optional = dependencies.filter((dependency) => dependency.optional);
  const depends: Dependency[] = required.map((dependency) => dependency.name);
  const recipe: Recipe = {
    name,
    summary,
    description,
    homepage,
    license: license.spdx,
    copyright: copyright.length ? copyright : [`the ${upstream.name} authors`],
    upstream: upstreamSection,
    build: buildSection,
    ...(depends.length ? { depends: { build: depends } } : {}),
    packages: packagesFor(name, summary, library, library ? installsPrograms(tree) : false, tree),
    ...(() => {
      const gate = gateFor(program, library, upstream);
      return gate ? { gate } : {};
    })(),
  };
  if (depends.length) note(['depends', 'build'], `from ${required.map((dependency) => dependency.from).join(', ')}`);
  if (unknown.length) {
    note(
      ['build'],
      `NOT ADDED, not in the dependency map: ${unknown.map((dependency) => `${dependency.name} (${dependency.from})`).join(', ')}.\n` +
        'Add each under depends.build as {deb: libfoo-dev, rpm: foo-devel}, or name it in the config\'s dependencies:',
    );
  }
  if (optional.length) {
    note(['build'], `optional upstream dependencies (behind --enable/--with, required: false, or a fallback) not added: ${optional.map((dependency) => `${dependency.name} (${dependency.from})`).join(', ')}`);
  }
  if (library) {
    note(
      ['packages'],
      `a shared library (${library.from}${library.soversion ? `, soname version ${library.soversion}` : ''}): split into runtime and -dev${library.soversion ? '' : `\nGUESS: the soname version was not found; Debian names the runtime package by it (libfoo1 for libfoo.so.1): rename ${libraryPackageName(library)}`}`,
    );
  } else note(['packages'], 'one package with everything the install produces');
  if (recipe.gate) {
    note(
      ['gate'],
      program
        ? `${program.name} is the obvious program and documents ${program.versionFlag}`
        : library?.pkgConfig
          ? `the installed ${library.pkgConfig}.pc must give the version; check that upstream's .pc says {version} as freshet spells it`
          : `the runtime library must be in ldconfig's cache (on debian-12-rpm, /usr/lib64 is not in it: add a program of the package as smoke command)`,
    );
  }
  else note(['packages'], 'no obvious program with --version: add gate.smoke commands to check the installed package');

  return {
    recipe,
    annotations,
    detected: { buildSystem: build ? `${build.system}${build.autoreconf ? ' (autoreconf)' : ''}` : 'none', license: license.spdx, dependencies, library, program: program ? `${program.name} ${program.versionFlag}` : undefined },
  };
}
