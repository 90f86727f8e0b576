import type { BuildSystem } from '../recipe/schema.js';
import { pkgConfigTemplates } from './metadata.js';
import type { SourceTree } from './tree.js';

/**
 * Does the install produce a shared library, and under which soname? Read from the build files:
 * CMake add_library + SOVERSION, meson library(soversion:), libtool -version-info C:R:A (soname
 * C-A). Only the easy cases; anything else is left to the recipe's author.
 */
export interface LibraryGuess {
  /** `cjson` for libcjson.so. */
  name: string;
  soversion?: string;
  /** A pkg-config file is installed, by this module name. */
  pkgConfig?: string;
  /** CMake package files are installed under {libdir}/cmake. */
  cmakeConfig: boolean;
  from: string;
}

function cmakeVariables(text: string): Map<string, string> {
  const variables = new Map<string, string>();
  for (const match of text.matchAll(/set\(\s*(\w+)\s+"?([\w.]+)"?\s*\)/gi)) variables.set(match[1]!, match[2]!);
  return variables;
}

function fromCmake(text: string, tree: SourceTree): LibraryGuess | undefined {
  const source = text.replace(/#.*$/gm, '');
  const variables = cmakeVariables(source);
  const library = /add_library\(\s*"?(?:\$\{(\w+)\}|([A-Za-z0-9_+-]+))"?\s+("?\$\{\w+\}"?\s+|SHARED\s+|STATIC\s+)?/i.exec(source);
  if (!library || /\bSTATIC\b/.test(library[3] ?? '') || !/install\s*\(\s*TARGETS/i.test(source)) return undefined;
  const libraryName = library[1] ? variables.get(library[1]) : library[2];
  if (!libraryName) return undefined;
  const raw = /SOVERSION\s+"?(\$\{(\w+)\}|[\w.]+)"?/i.exec(source);
  const soversion = raw ? (raw[2] ? variables.get(raw[2]) : raw[1]) : undefined;
  const pc = pkgConfigTemplates(tree, libraryName)[0];
  return {
    name: libraryName.replace(/^lib/, '').toLowerCase(),
    soversion,
    pkgConfig: pc ? pc.split('/').pop()!.replace(/\.pc\.in$/, '') : undefined,
    cmakeConfig: /install\s*\(\s*EXPORT/i.test(source) || /DESTINATION\s+"?\$\{[A-Z_]*LIBDIR\}\/cmake/i.test(source),
    from: `CMakeLists.txt: add_library(${libraryName})`,
  };
}

function fromMeson(text: string): LibraryGuess | undefined {
  const source = text.replace(/#.*$/gm, '');
  const library = /\b(?:shared_)?library\(\s*'([^']+)'([\s\S]*?)\n\)/.exec(source);
  if (!library) return undefined;
  const soversion = /soversion\s*:\s*'?(\d+)'?/.exec(library[2]!)?.[1];
  const pkgConfig = /pkg\.generate\([\s\S]*?name\s*:\s*'([^']+)'/.exec(source)?.[1];
  return { name: library[1]!.replace(/^lib/, '').toLowerCase(), soversion, pkgConfig, cmakeConfig: false, from: `meson.build: library('${library[1]}')` };
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
  if (system === 'cmake') return fromCmake(tree.read('CMakeLists.txt') ?? '', tree);
  if (system === 'meson') return fromMeson(tree.read('meson.build') ?? '');
  if (system === 'autotools') return fromAutomake(tree);
  return undefined;
}

/** Debian's library package name (Policy 8.1): libfoo1, or libfoo2-1 when the name ends in a digit. */
export function libraryPackageName(library: LibraryGuess): string {
  const base = `lib${library.name}`.replace(/_/g, '-');
  if (!library.soversion) return base;
  return /\d$/.test(base) ? `${base}-${library.soversion}` : `${base}${library.soversion}`;
}
