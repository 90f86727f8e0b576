import { builtinDependencies } from '../recipe/dependency-map.js';

/**
 * Build dependencies from what the build files declare: configure.ac checks, CMake find_package
 * and pkg_check_modules, meson dependency(). Each is turned into a name of the shared dependency
 * map when freshet knows it; an unknown one is kept as written, flagged for the recipe's author.
 */
export interface DetectedDependency {
  /** The dependency-map name, or the name as upstream wrote it. */
  name: string;
  /** Where it was found: `configure.ac: PKG_CHECK_MODULES(libfoo)`. */
  from: string;
  known: boolean;
  /** Declared optional upstream (`required: false`, `QUIET`, no AC_MSG_ERROR). */
  optional?: boolean;
}

/** pkg-config module (or CMake package, lower-cased) → dependency-map name. */
const ALIASES: Record<string, string | null> = {
  libcurl: 'curl',
  libssl: 'openssl',
  libcrypto: 'openssl',
  'glib-2.0': 'glib2',
  'gio-2.0': 'glib2',
  'gobject-2.0': 'glib2',
  'libxml-2.0': 'libxml2',
  'yaml-0.1': 'libyaml',
  'libpcre2-8': 'pcre2',
  libzstd: 'zstd',
  liblzma: 'lzma',
  liblz4: 'lz4',
  libutf8proc: 'utf8proc',
  libedit: 'libedit',
  libffi: 'libffi',
  libevent: 'libevent',
  // libevent's parts each have a .pc file; the -dev package has them all.
  libevent_core: 'libevent',
  libevent_extra: 'libevent',
  libevent_pthreads: 'libevent',
  libevent_openssl: 'libevent',
  tinfo: 'ncurses',
  libuv: 'libuv',
  libarchive: 'libarchive',
  libseccomp: 'libseccomp',
  libcap: 'libcap',
  'onig': 'libonig',
  'oniguruma': 'libonig',
  // CMake's module names.
  curses: 'ncurses',
  bzip2: 'bzip2',
  pkgconfig: 'pkg-config',
  gettext: 'gettext',
  intl: 'gettext',
  python3: 'python3',
  pythoninterp: 'python3',
  perl: 'perl',
  // Part of the toolchain or libc: no package to add.
  threads: null,
  openmp: null,
  git: null,
  doxygen: null,
};

/** AC_CHECK_LIB library → dependency name (null: libc itself). */
const LIBRARIES: Record<string, string | null> = {
  z: 'zlib',
  ncurses: 'ncurses',
  ncursesw: 'ncursesw',
  curses: 'ncurses',
  tinfo: 'ncurses',
  readline: 'readline',
  edit: 'libedit',
  ssl: 'openssl',
  crypto: 'openssl',
  bz2: 'bzip2',
  lzma: 'lzma',
  zstd: 'zstd',
  pcre2: 'pcre2',
  'pcre2-8': 'pcre2',
  expat: 'expat',
  curl: 'curl',
  sqlite3: 'sqlite3',
  yaml: 'libyaml',
  magic: 'libmagic',
  archive: 'libarchive',
  cap: 'libcap',
  seccomp: 'libseccomp',
  m: null,
  dl: null,
  pthread: null,
  rt: null,
  c: null,
};

/** Well-known headers → dependency name; other headers are libc's or the project's own. */
const HEADERS: Record<string, string> = {
  'zlib.h': 'zlib',
  'ncurses.h': 'ncurses',
  'curses.h': 'ncurses',
  'ncursesw/ncurses.h': 'ncursesw',
  'readline/readline.h': 'readline',
  'editline/readline.h': 'libedit',
  'bzlib.h': 'bzip2',
  'lzma.h': 'lzma',
  'zstd.h': 'zstd',
  'lz4.h': 'lz4',
  'expat.h': 'expat',
  'pcre2.h': 'pcre2',
  'curl/curl.h': 'curl',
  'sqlite3.h': 'sqlite3',
  'yaml.h': 'libyaml',
  'magic.h': 'libmagic',
  'archive.h': 'libarchive',
  'openssl/ssl.h': 'openssl',
  'openssl/evp.h': 'openssl',
  'libxml/parser.h': 'libxml2',
  'ffi.h': 'libffi',
  'uv.h': 'libuv',
  'jansson.h': 'jansson',
  'cmocka.h': 'cmocka',
  'check.h': 'check',
  'seccomp.h': 'libseccomp',
  'sys/capability.h': 'libcap',
};

/** A declared name → the map's name, or undefined for "no package needed". */
export function mapDeclared(declared: string): { name: string; known: boolean } | undefined {
  const bare = declared.trim().toLowerCase();
  if (bare in ALIASES) {
    const alias = ALIASES[bare];
    return alias === null ? undefined : { name: alias!, known: true };
  }
  if (bare in builtinDependencies) return { name: bare, known: true };
  const unprefixed = bare.replace(/^lib/, '');
  if (unprefixed in builtinDependencies) return { name: unprefixed, known: true };
  const safe = bare.replace(/[^a-z0-9+._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return safe ? { name: safe, known: false } : undefined;
}

/** `[libfoo >= 1.2 libbar]` / `"libfoo >= 1.2"` → module names without versions. */
function moduleNames(list: string): string[] {
  return list
    .replace(/[[\]"']/g, ' ')
    .split(/[\s,]+/)
    .map((word) => word.split(/[<>=!]/)[0]!) // `yaml-0.1>=0.2` written without spaces
    .filter((word) => word && !/^\d/.test(word) && !/^\$/.test(word));
}

const stripM4Comments = (text: string) => text.replace(/^\s*dnl\b.*$/gm, '').replace(/^\s*#.*$/gm, '');

/**
 * Is this offset of configure.ac inside a shell `if` that tests an --enable/--with option
 * (`if test "x$enable_systemd" = xyes`) or an earlier check's failure (`if test x$found_libevent = xno`,
 * a fallback)? Such a check is optional, or an alternative of one already listed.
 */
function guarded(source: string, offset: number): boolean {
  const conditions: string[] = [];
  for (const line of source.slice(0, offset).split('\n')) {
    const opened = /^\s*(if|elif)\s+(.*)$/.exec(line);
    if (opened?.[1] === 'if') conditions.push(opened[2]!);
    else if (opened) conditions[conditions.length - 1] = opened[2]!;
    else if (/^\s*fi\b/.test(line)) conditions.pop();
  }
  return conditions.some((condition) => /\$\{?(enable|with)_/.test(condition) || /\$\{?\w+\}?"?\s*=\s*"?x?no\b/.test(condition));
}

export function fromConfigureAc(text: string, file = 'configure.ac'): DetectedDependency[] {
  const found: DetectedDependency[] = [];
  const source = stripM4Comments(text);
  for (const match of source.matchAll(/PKG_CHECK_MODULES(?:_STATIC)?\(\s*\[?\w+\]?\s*,\s*(\[[^\]]*\]|[^,)]*)\s*(,?)/g)) {
    const optional = guarded(source, match.index);
    found.push({ name: 'pkg-config', from: `${file}: PKG_CHECK_MODULES`, known: true, optional });
    for (const module of moduleNames(match[1]!)) {
      const mapped = mapDeclared(module);
      if (mapped) found.push({ ...mapped, from: `${file}: PKG_CHECK_MODULES(${module})`, optional });
    }
  }
  for (const match of source.matchAll(/AC_(?:CHECK|SEARCH)_LIBS?\(\s*\[?([\w+.-]+(?:\s+[\w+.-]+)*)\]?/g)) {
    for (const library of match[1]!.split(/\s+/)) {
      if (!(library in LIBRARIES)) continue;
      const name = LIBRARIES[library];
      if (name) found.push({ name, from: `${file}: AC_CHECK_LIB(${library})`, known: true, optional: guarded(source, match.index) });
    }
  }
  for (const match of source.matchAll(/AC_CHECK_HEADERS?(?:_ONCE)?\(\s*\[?([^\],)]+)\]?/g)) {
    for (const header of match[1]!.split(/\s+/)) {
      const name = HEADERS[header];
      if (name) found.push({ name, from: `${file}: AC_CHECK_HEADER(${header})`, known: true, optional: guarded(source, match.index) });
    }
  }
  const tools: Array<[RegExp, string]> = [
    [/\bAC_PROG_YACC\b|\bAC_CHECK_PROGS?\(\s*\[?YACC/, 'bison'],
    [/\bAC_PROG_LEX\b/, 'flex'],
    [/\bAM_GNU_GETTEXT\b/, 'gettext'],
  ];
  for (const [pattern, name] of tools) if (pattern.test(source)) found.push({ name, from: `${file}: ${pattern.source.split('\\b')[1] ?? name}`, known: true });
  return found;
}

export function fromCmake(text: string, file = 'CMakeLists.txt'): DetectedDependency[] {
  const found: DetectedDependency[] = [];
  const source = text.replace(/#.*$/gm, '');
  for (const match of source.matchAll(/find_package\(\s*(\w+)([^)]*)\)/gi)) {
    const mapped = mapDeclared(match[1]!);
    if (mapped) found.push({ ...mapped, from: `${file}: find_package(${match[1]})`, optional: !/\bREQUIRED\b/.test(match[2]!) });
  }
  for (const match of source.matchAll(/pkg_(?:check|search)_modules?\(\s*\w+((?:\s+[^)\s]+)+)\s*\)/gi)) {
    found.push({ name: 'pkg-config', from: `${file}: pkg_check_modules`, known: true });
    for (const module of moduleNames(match[1]!).filter((word) => !/^(REQUIRED|QUIET|IMPORTED_TARGET|GLOBAL|NO_CMAKE_PATH|NO_CMAKE_ENVIRONMENT_PATH)$/.test(word))) {
      const mapped = mapDeclared(module);
      if (mapped) found.push({ ...mapped, from: `${file}: pkg_check_modules(${module})`, optional: !/\bREQUIRED\b/.test(match[1]!) });
    }
  }
  return found;
}

export function fromMeson(text: string, file = 'meson.build'): DetectedDependency[] {
  const found: DetectedDependency[] = [];
  const source = text.replace(/#.*$/gm, '');
  for (const match of source.matchAll(/\bdependency\(\s*'([^']+)'([^)]*)\)/g)) {
    const mapped = mapDeclared(match[1]!);
    if (mapped) found.push({ ...mapped, from: `${file}: dependency('${match[1]}')`, optional: /required\s*:\s*(false|get_option)/.test(match[2]!) });
  }
  return found;
}

/** One entry per name, in first-seen order; a required sighting wins over an optional one. */
export function uniqueDependencies(found: readonly DetectedDependency[]): DetectedDependency[] {
  const byName = new Map<string, DetectedDependency>();
  for (const dependency of found) {
    const seen = byName.get(dependency.name);
    if (!seen) byName.set(dependency.name, dependency);
    else if (seen.optional && !dependency.optional) byName.set(dependency.name, { ...seen, optional: false });
  }
  return [...byName.values()];
}
