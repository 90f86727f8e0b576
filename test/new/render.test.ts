import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { detectBuildSystem } from '../../src/new/build-system.js';
import { inferRecipe } from '../../src/new/infer.js';
import { renderRecipe } from '../../src/new/render.js';
import { memoryTree } from '../../src/new/tree.js';
import { guessUpstream } from '../../src/new/upstream.js';
import { loadRecipeFile } from '../../src/recipe/load.js';

const MIT = 'Copyright (c) 2020 Jane Doe\n\nPermission is hereby granted, free of charge, to any person obtaining a copy of this software';

const cmakeLibrary = memoryTree({
  'CMakeLists.txt': `cmake_minimum_required(VERSION 3.10)
project(frob VERSION 2.4.1 LANGUAGES C DESCRIPTION "Frobnication library for C")
set(FROB_SO 3)
find_package(ZLIB REQUIRED)
add_library(frob SHARED frob.c)
set_target_properties(frob PROPERTIES SOVERSION \${FROB_SO})
install(TARGETS frob EXPORT frob)
install(EXPORT frob DESTINATION lib/cmake/frob)
`,
  LICENSE: MIT,
  'frob.pc.in': 'Name: frob\nDescription: Frobnication library for C\nVersion: @PROJECT_VERSION@\n',
  'README.md': '# frob\n\nFrob is a library that frobnicates buffers quickly and safely for C programs.\n',
});

const autotoolsProgram = memoryTree({
  'configure.ac': 'AC_INIT([GNU widget], [1.2], [bug@example.org], [widget], [https://www.example.org/widget/])\nPKG_CHECK_MODULES([CURL], [libcurl])\n',
  'Makefile.am': 'bin_PROGRAMS = widget\n',
  'src/widget.c': '/* This program is free software under the GNU General Public License, either version 3, or\n * (at your option) any later version. */\nstatic const char *usage = "--version";\n',
  'doc/widget.1': '.TH WIDGET 1\n',
  COPYING: 'GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n',
  README: 'Widget is a tool that turns plain text into widgets for the terminal.\n',
});

describe('detectBuildSystem', () => {
  it('prefers configure, then meson and CMake, over a convenience Makefile', () => {
    expect(detectBuildSystem(memoryTree({ configure: '', 'configure.ac': '', Makefile: '' }))).toMatchObject({ system: 'autotools', file: 'configure' });
    expect(detectBuildSystem(memoryTree({ 'configure.ac': '' }))).toMatchObject({ system: 'autotools', autoreconf: true });
    expect(detectBuildSystem(memoryTree({ 'CMakeLists.txt': '', Makefile: '' }))).toMatchObject({ system: 'cmake', alternatives: ['Makefile'] });
    expect(detectBuildSystem(memoryTree({ 'meson.build': '' }))).toMatchObject({ system: 'meson' });
    expect(detectBuildSystem(memoryTree({ Makefile: '' }))).toMatchObject({ system: 'make' });
    expect(detectBuildSystem(memoryTree({ 'pyproject.toml': '' }))).toMatchObject({ system: 'python' });
    expect(detectBuildSystem(memoryTree({ 'README': '' }))).toBeUndefined();
  });
});

describe('inferRecipe', () => {
  it('splits a CMake shared library into runtime and -dev with the SOVERSION in the name', () => {
    const { recipe, detected } = inferRecipe({ tree: cmakeLibrary, upstream: guessUpstream('https://example.org/releases/frob-2.4.1.tar.gz')! });
    expect(detected.library).toMatchObject({ name: 'frob', soversion: '3', pkgConfig: 'frob', cmakeConfig: true });
    expect(recipe.packages.map((pkg) => [pkg.name, pkg.role])).toEqual([
      ['libfrob3', 'library'],
      ['libfrob-dev', 'dev'],
    ]);
    expect(recipe).toMatchObject({ license: 'MIT', copyright: ['2020 Jane Doe'], build: { system: 'cmake' }, depends: { build: ['zlib'] }, summary: 'frobnication library for C' });
    // Checked on both families: the RPM gate on Debian finds /usr/lib64's .pc, ldconfig's cache does not list it.
    expect(recipe.gate).toEqual({ smoke: [['pkg-config', '--modversion', 'frob']], requires: ['pkg-config'], expect: '^{version}$' });
  });

  it('finds an autotools program with --version, its homepage and GPL or-later', () => {
    const { recipe } = inferRecipe({ tree: autotoolsProgram, upstream: guessUpstream('https://ftp.example.org/pub/widget/widget-1.2.tar.gz')! });
    expect(recipe).toMatchObject({
      name: 'widget',
      homepage: 'https://www.example.org/widget/',
      license: 'GPL-3.0-or-later',
      build: { system: 'autotools', autoreconf: true },
      depends: { build: ['pkg-config', 'curl'] },
      packages: [{ name: 'widget' }],
      gate: { smoke: [['widget', '--version']], expect: '{version}' },
    });
  });
});

describe('inferRecipe dependencies', () => {
  it('issue 14: writes only dependency-map names; an unknown one is a comment with a hint, never an entry', () => {
    const tree = memoryTree({
      'configure.ac': 'AC_INIT([widget], [1.2])\nPKG_CHECK_MODULES([DEPS], [libcurl libfrobnicate-2])\n',
      'Makefile.am': 'bin_PROGRAMS = widget\n',
      README: 'Widget is a tool that turns plain text into widgets for the terminal.\n',
    });
    const inference = inferRecipe({ tree, upstream: guessUpstream('https://example.org/widget/widget-1.2.tar.gz')! });
    expect(inference.recipe.depends).toEqual({ build: ['pkg-config', 'curl'] });
    const text = renderRecipe(inference, 'https://example.org/widget/widget-1.2.tar.gz');
    expect(text).toMatch(/# NOT ADDED, not in the dependency map: libfrobnicate-2 \(configure\.ac: PKG_CHECK_MODULES\(libfrobnicate-2\)\)/);
    expect(text).toContain('{deb: libfoo-dev, rpm: foo-devel}');
  });
});

describe('inferRecipe library names', () => {
  it('issue 14: names the runtime package by the soname meson states when libtool\'s -version-info is computed (libfribidi0)', () => {
    const tree = memoryTree({
      configure: '#!/bin/sh\n',
      'configure.ac': 'AC_INIT([GNU FriBidi], [1.0.8])\nLT_VERSION_INFO=lt_current():lt_revision():lt_age()\n',
      'lib/Makefile.am': 'lib_LTLIBRARIES = libfribidi.la\nlibfribidi_la_LDFLAGS = -no-undefined -version-info $(LT_VERSION_INFO)\n',
      'bin/Makefile.am': 'bin_PROGRAMS = fribidi\n',
      'meson.build': "project('fribidi', 'c', version: '1.0.8')\nsoversion = 0\nsubdir('lib')\n",
      'lib/meson.build': "libfribidi = library('fribidi',\n  fribidi_sources,\n  version: libversion,\n  soversion: soversion,\n  install: true)\n",
      'fribidi.pc.in': 'Name: GNU FriBidi\nDescription: Unicode Bidirectional Algorithm Library\n',
    });
    const { recipe } = inferRecipe({ tree, upstream: guessUpstream('https://github.com/fribidi/fribidi/releases/download/v1.0.8/fribidi-1.0.8.tar.bz2')! });
    expect(recipe.packages.map((pkg) => [pkg.name, pkg.role])).toEqual([
      ['fribidi', undefined],
      ['libfribidi0', 'library'],
      ['libfribidi-dev', 'dev'],
    ]);
  });

  it('issue 14: finds a library built by a plain Makefile from its -soname, the major version read from its header (libxxhash0)', () => {
    const tree = memoryTree({
      Makefile: [
        "LIBVER_MAJOR_SCRIPT:=`$(SED) -n '/define XXH_VERSION_MAJOR/s/.*[[:blank:]]\\([0-9][0-9]*\\).*/\\1/p' < xxhash.h`",
        'LIBVER_MAJOR := $(shell echo $(LIBVER_MAJOR_SCRIPT))',
        '\tSONAME_FLAGS = -Wl,-soname=libxxhash.$(SHARED_EXT).$(LIBVER_MAJOR)',
        'install: lib xxhsum',
        '\t$(Q)$(INSTALL_PROGRAM) xxhsum $(DESTDIR)$(BINDIR)/xxhsum',
      ].join('\n'),
      'xxhash.h': '#define XXH_VERSION_MAJOR    0\n#define XXH_VERSION_MINOR    8\n',
      'libxxhash.pc.in': 'Name: xxhash\nDescription: extremely fast hash algorithm\nURL: http://www.xxhash.com/\n',
      LICENSE: 'xxHash Library\nCopyright (c) 2012-2020 Yann Collet\n\nRedistribution and use in source and binary forms, with or without modification',
    });
    const { recipe, detected } = inferRecipe({ tree, upstream: guessUpstream('https://github.com/Cyan4973/xxHash/releases/download/v0.8.1/xxHash-0.8.1.tar.gz')! });
    expect(detected.library).toMatchObject({ name: 'xxhash', soversion: '0', pkgConfig: 'libxxhash' });
    expect(recipe.build).toEqual({ system: 'make' });
    expect(recipe.packages.map((pkg) => pkg.name)).toEqual(['xxhash', 'libxxhash0', 'libxxhash-dev']);
    expect(recipe.gate).toEqual({ smoke: [['pkg-config', '--modversion', 'libxxhash']], requires: ['pkg-config'], expect: '^{version}$' });
  });
});

describe('inferRecipe for programs like less and grep', () => {
  it('issue 14: skips README boilerplate, reads a license choice as OR, proposes a --version gate from less.nro or src/grep.c', () => {
    const less = memoryTree({
      configure: '#!/bin/sh\n',
      README: 'This is the source code distribution of "less". This program is part of the GNU project.\n\nLess is a pager program that shows a text file one screen at a time, forwards and backwards.\n',
      COPYING: 'GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n',
      LICENSE: 'Less License\nCopyright (C) 1984-2023  Mark Nudelman\n\nRedistribution and use in source and binary forms, with or without modification',
      'main.c': '/*\n * Copyright (C) 1984-2023  Mark Nudelman\n *\n * You may distribute under the terms of either the GNU General Public\n * License or the Less License, as specified in the README file.\n */\n',
      'less.nro': '.TH LESS 1\n.IP "\\-\\-version"\n',
    });
    const lessRecipe = inferRecipe({ tree: less, upstream: guessUpstream('https://www.greenwoodsoftware.com/less/less-590.tar.gz')! }).recipe;
    expect(lessRecipe.summary).toBe('pager program that shows a text file one screen at a time');
    expect(lessRecipe.license).toBe('GPL-3.0-or-later OR BSD-2-Clause');
    expect(lessRecipe.copyright).toEqual(['1984-2023 Mark Nudelman']);
    expect(lessRecipe.gate).toEqual({ smoke: [['less', '--version']], expect: '{version}' });

    const grep = memoryTree({
      configure: '#!/bin/sh\n',
      README: '  Copyright (C) 1992-2022 Free Software Foundation, Inc.\n\n  Copying and distribution of this file, with or without modification,\n  are permitted in any medium without royalty provided the copyright\n  notice and this notice are preserved.\n\nThis is GNU grep, the "fastest grep in the west" (we hope). GNU grep searches\ninput files for lines matching a pattern.\n',
      'doc/grep.in.1': '.TH GREP 1\n',
      ...Object.fromEntries(Array.from({ length: 45 }, (_, index) => [`lib/gnulib${index}.c`, 'int x;\n'])),
      'src/grep.c': 'static struct option const long_options[] = { {"version", no_argument, NULL, GETOPT_VERSION_CHAR} };\n',
    });
    const grepRecipe = inferRecipe({ tree: grep, upstream: guessUpstream('https://ftp.gnu.org/gnu/grep/grep-3.8.tar.xz')! }).recipe;
    expect(grepRecipe.summary).not.toMatch(/copying and distribution/i);
    expect(grepRecipe.gate).toEqual({ smoke: [['grep', '--version']], expect: '{version}' });
  });
});

describe('renderRecipe', () => {
  it('writes a recipe that loads and validates, with comments where freshet guessed', () => {
    const inference = inferRecipe({ tree: cmakeLibrary, upstream: guessUpstream('https://github.com/jane/frob/archive/refs/tags/v2.4.1.tar.gz')!, sha256: 'a'.repeat(64) });
    const text = renderRecipe(inference, 'https://github.com/jane/frob/archive/refs/tags/v2.4.1.tar.gz');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-new-test-'));
    writeFileSync(path.join(dir, 'frob.yaml'), text);
    const loaded = loadRecipeFile(path.join(dir, 'frob.yaml'));
    expect(loaded.recipe.upstream).toMatchObject({ kind: 'html-index', url: 'https://github.com/jane/frob/tags', sha256: { '2.4.1': 'a'.repeat(64) } });
    expect(text).toMatch(/^  # from CMakeLists\.txt$/m);
    expect(text).toMatch(/# a shared library \(CMakeLists\.txt: add_library\(frob\), soname version 3\)/);
    expect(parse(text)).toEqual(JSON.parse(JSON.stringify(inference.recipe)));
  });
});
