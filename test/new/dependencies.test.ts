import { describe, expect, it } from 'vitest';
import { fromCmake, fromConfigureAc, fromMeson, mapDeclared, uniqueDependencies } from '../../src/new/dependencies.js';

const names = (found: ReturnType<typeof fromCmake>) => uniqueDependencies(found).map((dependency) => dependency.name);

describe('configure.ac', () => {
  const configureAc = `AC_INIT([foo], [1.0], [bugs@example.org], [foo], [https://example.org/foo/])
dnl PKG_CHECK_MODULES([OLD], [libold])
PKG_CHECK_MODULES([DEPS], [libcurl >= 7.50 zlib libfrobnicate-2])
AC_CHECK_LIB([m], [sqrt])
AC_CHECK_LIB([readline], [readline], [], [AC_MSG_ERROR([need readline])])
AC_CHECK_HEADERS([ncurses.h stdio.h unistd.h])
AC_PROG_YACC
`;

  it('maps PKG_CHECK_MODULES modules, AC_CHECK_LIB libraries and well-known headers to dependency-map names', () => {
    expect(names(fromConfigureAc(configureAc))).toEqual(['pkg-config', 'curl', 'zlib', 'libfrobnicate-2', 'readline', 'ncurses', 'bison']);
  });

  it('keeps an unknown pkg-config module as written and marks it unknown; ignores dnl comments and libc', () => {
    const found = fromConfigureAc(configureAc);
    expect(found.find((dependency) => dependency.name === 'libfrobnicate-2')).toMatchObject({ known: false, from: 'configure.ac: PKG_CHECK_MODULES(libfrobnicate-2)' });
    expect(found.some((dependency) => dependency.name === 'libold' || dependency.name === 'm')).toBe(false);
  });
});

describe('configure.ac, as tmux 3.3a writes it', () => {
  const configureAc = `PKG_CHECK_MODULES(
	LIBEVENT_CORE,
	[libevent_core >= 2],
	found_libevent=yes,
	found_libevent=no
)
if test x$found_libevent = xno; then
	PKG_CHECK_MODULES(LIBEVENT, libevent >= 2, found_libevent=yes, found_libevent=no)
fi
PKG_CHECK_MODULES(LIBTINFO, tinfo, found_ncurses=yes, found_ncurses=no)
if test "x$found_ncurses" = xno; then
	PKG_CHECK_MODULES(LIBNCURSESW, ncursesw, found_ncurses=yes, found_ncurses=no)
fi
AC_ARG_ENABLE(systemd, AS_HELP_STRING(--enable-systemd, enable systemd integration))
if test x"$enable_systemd" = xyes; then
	PKG_CHECK_MODULES(SYSTEMD, libsystemd, found_systemd=yes, found_systemd=no)
	if test "x$found_systemd" = xyes; then
		LIBS="$SYSTEMD_LIBS $LIBS"
	fi
fi
AC_ARG_ENABLE(utf8proc, AS_HELP_STRING(--enable-utf8proc, use utf8proc if it is installed))
if test "x$enable_utf8proc" = xyes; then
	AC_CHECK_HEADER(utf8proc.h, enable_utf8proc=yes, enable_utf8proc=no)
	PKG_CHECK_MODULES(UTF8PROC, libutf8proc)
fi
`;

  it('issue 14: maps libevent_core and tinfo to map names, and tells guarded and fallback checks from required ones', () => {
    const found = uniqueDependencies(fromConfigureAc(configureAc));
    expect(found.filter((dependency) => !dependency.optional).map((dependency) => dependency.name)).toEqual(['pkg-config', 'libevent', 'ncurses']);
    expect(found.filter((dependency) => dependency.optional).map((dependency) => dependency.name)).toEqual(['ncursesw', 'libsystemd', 'utf8proc']);
    expect(found.every((dependency) => dependency.known || dependency.name === 'libsystemd')).toBe(true);
  });
});

describe('CMake', () => {
  it('reads find_package and pkg_check_modules, optional unless REQUIRED', () => {
    const found = fromCmake(`cmake_minimum_required(VERSION 3.10)
project(demo C)
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL)
# find_package(Ignored REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1>=0.2)
pkg_check_modules(GLIB glib-2.0)
`);
    expect(uniqueDependencies(found).map(({ name, optional }) => [name, optional])).toEqual([
      ['zlib', false],
      ['openssl', true],
      ['pkg-config', false],
      ['libyaml', false],
      ['glib2', true],
    ]);
  });
});

describe('meson', () => {
  it("reads dependency('x'), optional when required: false", () => {
    const found = fromMeson(`project('demo', 'c')
zlib = dependency('zlib')
xml = dependency('libxml-2.0', version: '>= 2.9')
png = dependency('libpng', required: false)
`);
    expect(found.map(({ name, known, optional }) => ({ name, known, optional }))).toEqual([
      { name: 'zlib', known: true, optional: false },
      { name: 'libxml2', known: true, optional: false },
      { name: 'libpng', known: false, optional: true },
    ]);
  });
});

describe('mapDeclared', () => {
  it.each([
    ['ZLIB', 'zlib'],
    ['CURL', 'curl'],
    ['libssl', 'openssl'],
    ['libzstd', 'zstd'],
    ['ncursesw', 'ncursesw'],
  ])('%s → %s', (declared, name) => {
    expect(mapDeclared(declared)).toEqual({ name, known: true });
  });

  it('drops toolchain parts', () => {
    expect(mapDeclared('Threads')).toBeUndefined();
  });
});
