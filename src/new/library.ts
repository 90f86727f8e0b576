import type { BuildSystem } from '../recipe/schema.js';
import { pkgConfigTemplates } from './metadata.js';
import type { SourceTree } from './tree.js';

/**
 * Does the install produce a shared library, and under which soname? Read from the build files:
 * CMake add_library + SOVERSION, meson library(soversion:), libtool -version-info C:R:A (soname
 * C-A), a plain Makefile's -soname. Only the easy cases; anything else is left to the recipe's author.
 */
export interface LibraryGuess {
  /** `cjson` for libcjson.so. */
  name: string;
  soversion?: string;
  /** A pkg-config file is installed, by this module name. */
  pkgConfig?: string;
  /** CMake package files are installed under {libdir}/cmake. */
  cmakeConfig: boolean;
  /** CMake add_library without SHARED: shared only with -DBUILD_SHARED_LIBS=ON (libcbor). */
  sharedByOption?: boolean;
  from: string;
}

function cmakeVariables(text: string): Map<string, string> {
  const variables = new Map<string, string>();
  for (const match of text.matchAll(/set\(\s*(\w+)\s+"?([\w.]+)"?\s*\)/gi)) variables.set(match[1]!, match[2]!);
  return variables;
}

/** Folders whose build files build tests, examples or fuzzers, not what is installed. */
export const NOT_INSTALLED_DIR = /(^|\/)(tests?|examples?|fuzz|oss-fuzz|doc|docs|bench(mark)?s?)\//i;

/** `${MAJOR}.${MINOR}` with both set → `0.10`; undefined when a part is unknown. */
function expandCmake(value: string, variables: Map<string, string>): string | undefined {
  const expanded = value.replace(/\$\{(\w+)\}/g, (_whole, name: string) => variables.get(name) ?? '\0');
  return expanded.includes('\0') ? undefined : expanded;
}

/** The top CMakeLists.txt and those one folder down (libcbor's src/), without test or example folders. */
function cmakeSources(tree: SourceTree): string {
  return tree.files
    .filter((file) => /(^|\/)CMakeLists\.txt$/.test(file) && file.split('/').length <= 2 && !NOT_INSTALLED_DIR.test(file))
    .map((file) => tree.read(file) ?? '')
    .join('\n');
}

function fromCmake(text: string, tree: SourceTree): LibraryGuess | undefined {
  const source = text.replace(/#.*$/gm, '');
  const variables = cmakeVariables(source);
  const library = /add_library\(\s*"?(?:\$\{(\w+)\}|([A-Za-z0-9_+-]+))"?\s+("?\$\{\w+\}"?\s+|SHARED\s+|STATIC\s+)?/i.exec(source);
  if (!library || /\bSTATIC\b/.test(library[3] ?? '') || !/install\s*\(\s*TARGETS/i.test(source)) return undefined;
  const libraryName = library[1] ? variables.get(library[1]) : library[2];
  if (!libraryName) return undefined;
  const raw = /SOVERSION\s+"?((?:\$\{\w+\}|[\w.])+)"?/i.exec(source);
  const soversion = raw ? expandCmake(raw[1]!, variables) : undefined;
  const pc = pkgConfigTemplates(tree, libraryName)[0];
  return {
    name: libraryName.replace(/^lib/, '').toLowerCase(),
    soversion,
    pkgConfig: pc ? pc.split('/').pop()!.replace(/\.pc\.in$/, '') : undefined,
    cmakeConfig: /install\s*\(\s*EXPORT/i.test(source) || /DESTINATION\s+"?\$\{[A-Z_]*LIBDIR\}\/cmake/i.test(source),
    from: `CMakeLists.txt: add_library(${libraryName})`,
    ...(!/\bSHARED\b/.test(library[3] ?? '') && !/set\(\s*BUILD_SHARED_LIBS\s+ON/i.test(source) ? { sharedByOption: true } : {}),
  };
}

/** `soversion = 0` set in any meson.build: a library() may name the variable. */
function mesonVariable(tree: SourceTree, name: string): string | undefined {
  for (const file of mesonFiles(tree)) {
    const value = new RegExp(`^\\s*${name}\\s*=\\s*'?(\\d+)'?\\s*$`, 'm').exec(tree.read(file) ?? '')?.[1];
    if (value) return value;
  }
  return undefined;
}

const mesonFiles = (tree: SourceTree) => tree.files.filter((name) => /(^|\/)meson\.build$/.test(name) && name.split('/').length <= 2).sort((a, b) => a.length - b.length);

function fromMeson(tree: SourceTree): LibraryGuess | undefined {
  for (const file of mesonFiles(tree)) {
    const source = (tree.read(file) ?? '').replace(/#.*$/gm, '');
    // The arguments up to the next call at the start of a line: soversion may sit on any line of them.
    const library = /\b(?:shared_)?library\(\s*'([^']+)'([\s\S]*?)(?=\n\S|$)/.exec(source);
    if (!library) continue;
    const raw = /soversion\s*:\s*(?:'?(\d+)'?|(\w+))/.exec(library[2]!);
    const soversion = raw?.[1] ?? (raw?.[2] ? mesonVariable(tree, raw[2]) : undefined);
    const pkgConfig = mesonFiles(tree).map((name) => /pkg\.generate\([\s\S]*?name\s*:\s*'([^']+)'/.exec(tree.read(name) ?? '')?.[1]).find(Boolean);
    return { name: library[1]!.replace(/^lib/, '').toLowerCase(), soversion, pkgConfig, cmakeConfig: false, from: `${file}: library('${library[1]}')` };
  }
  return undefined;
}

/**
 * A plain Makefile that links with `-soname=libfoo.so.N` (xxHash, lz4, zstd): N literal, a make
 * variable set to a number, or a `FOO_VERSION_MAJOR` the Makefile reads from a header.
 */
function fromMakefile(tree: SourceTree): LibraryGuess | undefined {
  const file = ['Makefile', 'makefile', 'GNUmakefile', 'lib/Makefile'].find((name) => tree.has(name));
  const text = file ? (tree.read(file) ?? '') : '';
  const soname = /-soname[,=]\s*lib([A-Za-z0-9_+-]+)\.(?:so|\$\(SHARED_EXT\))\.(\d+|\$\((\w+)\))/.exec(text);
  if (!soname) return undefined;
  const name = soname[1]!;
  let soversion = /^\d+$/.test(soname[2]!) ? soname[2] : new RegExp(`^\\s*${soname[3]}\\s*[:?]?=\\s*(\\d+)\\s*$`, 'm').exec(text)?.[1];
  if (!soversion && /MAJOR/.test(soname[3] ?? '')) {
    const header = tree.files.find((candidate) => candidate.split('/').pop() === `${name}.h` || candidate.split('/').pop() === `lib${name}.h`);
    soversion = header ? /#\s*define\s+\w*VERSION_MAJOR\s+(\d+)/.exec(tree.read(header) ?? '')?.[1] : undefined;
  }
  const pc = pkgConfigTemplates(tree, name)[0];
  return { name: name.toLowerCase(), soversion, pkgConfig: pc?.split('/').pop()!.replace(/\.pc\.in$/, ''), cmakeConfig: false, from: `${file}: -soname lib${name}.so` };
}

function fromAutomake(tree: SourceTree): LibraryGuess | undefined {
  for (const file of tree.files.filter((name) => /(^|\/)Makefile\.am$/.test(name) && name.split('/').length <= 2)) {
    const text = tree.read(file) ?? '';
    const library = /^lib_LTLIBRARIES\s*\+?=\s*lib([A-Za-z0-9_+-]+)\.la/m.exec(text);
    if (!library) continue;
    const info = /-version-info\s+(\d+):(\d+):(\d+)/.exec(text);
    const pc = pkgConfigTemplates(tree, library[1])[0];
    return {
      name: library[1]!.toLowerCase(),
      soversion: info ? String(Number(info[1]) - Number(info[3])) : undefined,
      pkgConfig: pc?.split('/').pop()!.replace(/\.pc\.in$/, ''),
      cmakeConfig: false,
      from: `${file}: lib_LTLIBRARIES`,
    };
  }
  return undefined;
}

export function detectLibrary(tree: SourceTree, system: BuildSystem): LibraryGuess | undefined {
  const readers: Record<string, () => LibraryGuess | undefined> = {
    cmake: () => fromCmake(cmakeSources(tree), tree),
    meson: () => fromMeson(tree),
    autotools: () => fromAutomake(tree),
    make: () => fromMakefile(tree),
  };
  const chosen = readers[system]?.();
  if (!chosen || chosen.soversion) return chosen;
  // libtool's -version-info is often computed in configure.ac; a meson.build or CMakeLists.txt beside it may say it plainly.
  for (const [other, read] of Object.entries(readers)) {
    if (other === system) continue;
    const found = read();
    if (found?.soversion && found.name === chosen.name) return { ...chosen, soversion: found.soversion, from: `${chosen.from}; soname version from ${found.from}` };
  }
  return chosen;
}

/** Debian's library package name (Policy 8.1): libfoo1, or libfoo2-1 when the name ends in a digit. */
export function libraryPackageName(library: LibraryGuess): string {
  const base = `lib${library.name}`.replace(/_/g, '-');
  if (!library.soversion) return base;
  return /\d$/.test(base) ? `${base}-${library.soversion}` : `${base}${library.soversion}`;
}
