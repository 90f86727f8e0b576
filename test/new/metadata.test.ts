import { describe, expect, it } from 'vitest';
import { inferRecipe } from '../../src/new/infer.js';
import { detectMetadata } from '../../src/new/metadata.js';
import { renderRecipe } from '../../src/new/render.js';
import { memoryTree } from '../../src/new/tree.js';
import { guessUpstream } from '../../src/new/upstream.js';

const GPL3 = 'GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n';
const README_NOISE = 'Build with ./configure && make. See INSTALL for the details of the build and of the options.\n';

describe('detectMetadata: what upstreams state about themselves', () => {
  it('issue 14: reads the untranslated AppStream <summary> and <url type="homepage"> before the README', () => {
    const guess = detectMetadata(
      memoryTree({
        'data/org.example.Viewer.metainfo.xml': `<?xml version="1.0"?>
<component type="desktop-application">
  <id>org.example.Viewer</id>
  <project_license>GPL-2.0-or-later</project_license>
  <summary xml:lang="de">Bilder ansehen</summary>
  <summary>View images &amp; comics</summary>
  <url type="bugtracker">https://example.org/viewer/issues</url>
  <url type="homepage">https://example.org/viewer</url>
</component>`,
        README: README_NOISE,
      }),
    );
    expect(guess.summary).toEqual({ text: 'view images & comics', from: 'data/org.example.Viewer.metainfo.xml' });
    expect(guess.homepage).toEqual({ url: 'https://example.org/viewer', from: 'data/org.example.Viewer.metainfo.xml' });
    expect(guess.license).toEqual({ spdx: 'GPL-2.0-or-later', from: 'data/org.example.Viewer.metainfo.xml' });
  });

  it('issue 14: reads package.json and pyproject.toml description, homepage and license', () => {
    const npm = detectMetadata(memoryTree({ 'package.json': JSON.stringify({ name: 'left-pad', description: 'String left pad for the terminal', homepage: 'https://example.org/left-pad', license: 'WTFPL' }), README: README_NOISE }));
    expect(npm).toMatchObject({ summary: { text: 'string left pad for the terminal', from: 'package.json' }, homepage: { url: 'https://example.org/left-pad' }, license: { spdx: 'WTFPL', from: 'package.json' } });

    const python = detectMetadata(
      memoryTree({
        'pyproject.toml': '[build-system]\nrequires = ["hatchling"]\n\n[project]\nname = "frobber"\ndescription = "Frobnicate YAML files in place"\nlicense = {text = "MIT"}\n\n[project.urls]\nHomepage = "https://frobber.example.org/"\nIssues = "https://example.org/issues"\n',
        README: README_NOISE,
      }),
    );
    expect(python).toMatchObject({ summary: { text: 'frobnicate YAML files in place', from: 'pyproject.toml' }, homepage: { url: 'https://frobber.example.org/' }, license: { spdx: 'MIT' } });
  });

  it("issue 14: reads .pc.in Description/URL, CMake project(DESCRIPTION HOMEPAGE_URL), AC_INIT's URL and meson project(license:)", () => {
    expect(detectMetadata(memoryTree({ 'libfoo.pc.in': 'Name: foo\nDescription: Foo parsing library\nURL: https://foo.example.org\nVersion: @VERSION@\n' }), 'libfoo')).toMatchObject({
      summary: { text: 'foo parsing library', from: 'libfoo.pc.in' },
      homepage: { url: 'https://foo.example.org', from: 'libfoo.pc.in' },
    });
    expect(detectMetadata(memoryTree({ 'CMakeLists.txt': 'project(cbor VERSION 0.10.2 DESCRIPTION "CBOR protocol implementation" HOMEPAGE_URL "https://cbor.example.org" LANGUAGES C)\n' }))).toMatchObject({
      summary: { text: 'CBOR protocol implementation' },
      homepage: { url: 'https://cbor.example.org' },
      projectName: 'cbor',
    });
    expect(detectMetadata(memoryTree({ 'configure.ac': 'AC_INIT([GNU Widget], [1.2], [bug@example.org], [widget], [https://www.example.org/widget/])\n' })).homepage).toEqual({ url: 'https://www.example.org/widget/', from: 'configure.ac AC_INIT' });
    expect(detectMetadata(memoryTree({ 'meson.build': "project('glint', 'c',\n  version: '2.1',\n  license: ['LGPL-2.1-or-later', 'MIT'],\n  meson_version: '>= 0.60')\n" }))).toMatchObject({ projectName: 'glint', license: { spdx: 'LGPL-2.1-or-later AND MIT', from: 'meson.build project()' } });
  });

  it("issue 14: summarizes from the program's man page source NAME line and describes from its DESCRIPTION rather than a README's license paragraph or a paragraph not about the program (less)", () => {
    const guess = detectMetadata(
      memoryTree({
        README: '    This is the source code distribution of "less".\n    This program is part of the GNU project (https://www.gnu.org).\n\n    This program is free software.  You may redistribute it and/or\n    modify it under the terms of either:\n\n    1. The GNU General Public License, as published by the Free\n       Software Foundation; either version 3, or (at your option) any\n       later version.  A copy of this license is in the file COPYING.\n    or\n    2. The Less License, in the file LICENSE.\n\n    Please report any problems at https://github.com/gwsw/less/issues.\n    See https://greenwoodsoftware.com/less for the latest info.\n\nThe formatted manual page is in less.man.\nThe manual page nroff source is in less.nro.\n',
        'less.man': 'LESS(1)\n\nN\bNA\bAM\bME\bE\n       less - display the contents of a file in a terminal\n',
        'less.nro': '.TH LESS 1 "Version 668: 06 Oct 2024"\n.SH NAME\nless \\- display the contents of a file in a terminal\n.SH SYNOPSIS\n.B "less \\-?"\n.SH DESCRIPTION\n.B Less\nis a program similar to\n.BR more (1),\nbut it has many more features.\n.PP\nCommands are based on both\n',
        'tmux.1': '.Dd $Mdocdate$\n.Dt TMUX 1\n.Sh NAME\n.Nm tmux\n.Nd terminal multiplexer\n',
      }),
      'less',
    );
    expect(guess.summary).toEqual({ text: 'display the contents of a file in a terminal', from: 'less.nro (NAME)' });
    // Not the README's "formatted manual page" paragraph, not the synopsis again (lintian: description-synopsis-is-duplicated).
    expect(guess.description).toEqual({ text: 'Less is a program similar to more(1), but it has many more features.\n', from: 'less.nro (DESCRIPTION)' });
    expect(detectMetadata(memoryTree({ 'tmux.1': '.Dd $Mdocdate$\n.Dt TMUX 1\n.Sh NAME\n.Nm tmux\n.Nd terminal multiplexer\n' }), 'tmux').summary?.text).toBe('terminal multiplexer');
  });
});

describe('inferRecipe: license, copyright and gate from what upstream states', () => {
  it('issue 14: a license the build metadata states in SPDX settles one the license files leave uncertain', () => {
    const { recipe } = inferRecipe({
      tree: memoryTree({ 'meson.build': "project('glint', 'c', version: '2.1', license: 'GPL-3.0-only')\nexecutable('glint', 'glint.c', install: true)\n", COPYING: GPL3 }),
      upstream: guessUpstream('https://example.org/glint/glint-2.1.tar.xz')!,
    });
    expect(recipe.license).toBe('GPL-3.0-only');
  });

  it('issue 14: takes copyright holders from AUTHORS and from source files past the first twelve', () => {
    const tree = memoryTree({
      'CMakeLists.txt': 'project(cbor)\n',
      'LICENSE.md': 'MIT License\n\nCopyright (c) 2014-2017 Pavel Kalvoda\n\nPermission is hereby granted, free of charge, to any person obtaining a copy',
      AUTHORS: 'Copyright (C) 2019 Jane Roe <jane@example.org>\n',
      ...Object.fromEntries(Array.from({ length: 14 }, (_, index) => [`src/part${String(index).padStart(2, '0')}.c`, index === 13 ? '/*\n * Copyright (c) 2021 Example Corp\n */\n' : 'int x;\n'])),
    });
    const { recipe } = inferRecipe({ tree, upstream: guessUpstream('https://example.org/cbor/cbor-0.10.2.tar.gz')! });
    expect(recipe.copyright).toEqual(['2014-2017 Pavel Kalvoda', '2019 Jane Roe <jane@example.org>', '2021 Example Corp']);
  });

  it("issue 14: runs the version flag the man page documents (tmux -V) and expects {version} for a version with a letter (tmux 3.5a), not for a mangled one", () => {
    // As tmux 3.5a ships them: only -V prints the version (--version prints the usage and fails the gate); format.c's "version" is a format name.
    const tmux = memoryTree({
      configure: '#!/bin/sh\n',
      'configure.ac': 'AC_INIT([tmux], 3.5a)\n',
      'tmux.1': '.Sh NAME\n.Nd terminal multiplexer\n.It Fl V\nReport the\n.Nm\nversion.\n',
      'tmux.c': 'while ((opt = getopt(argc, argv, "2c:CDdf:lL:NqS:T:uUvV")) != -1) {\n',
      'format.c': '\t{ "version", FORMAT_TABLE_STRING,\n',
    });
    expect(inferRecipe({ tree: tmux, upstream: guessUpstream('https://github.com/tmux/tmux/releases/download/3.5a/tmux-3.5a.tar.gz')! }).recipe.gate).toEqual({ smoke: [['tmux', '-V']], expect: '{version}' });
    const mawk = memoryTree({ configure: '#!/bin/sh\n', 'mawk.1': '.TH MAWK 1\n--version\n' });
    expect(inferRecipe({ tree: mawk, upstream: guessUpstream('https://invisible-island.net/archives/mawk/mawk-1.3.4-20260302.tgz')! }).recipe.gate).toEqual({ smoke: [['mawk', '--version']] });
  });
});

describe('inferRecipe: the programs package beside a library', () => {
  it('issue 14: lists {mandir}/man1 only when the tree has a section-1 man page (fribidi installs none: dh_install failed on the glob), and the dev package takes section-3 pages (dh_missing failed on them)', () => {
    const files = {
      configure: '#!/bin/sh\n',
      'configure.ac': 'AC_INIT([GNU FriBidi], [1.0.16])\n',
      'lib/Makefile.am': 'lib_LTLIBRARIES = libfribidi.la\nlibfribidi_la_LDFLAGS = -version-info 4:0:4\n',
      'bin/Makefile.am': 'bin_PROGRAMS = fribidi\n',
      'doc/fribidi_get_bidi_type.3': '.TH FRIBIDI 3\n',
    };
    const upstream = guessUpstream('https://github.com/fribidi/fribidi/releases/download/v1.0.16/fribidi-1.0.16.tar.xz')!;
    const programs = (tree: ReturnType<typeof memoryTree>) => inferRecipe({ tree, upstream }).recipe.packages.find((pkg) => pkg.name === 'fribidi')?.files;
    expect(programs(memoryTree(files))).toEqual(['{bindir}/*']);
    expect(inferRecipe({ tree: memoryTree(files), upstream }).recipe.packages.find((pkg) => pkg.role === 'dev')?.files).toContain('{mandir}/man3/*');
    expect(programs(memoryTree({ ...files, 'doc/fribidi.1': '.TH FRIBIDI 1\n' }))).toEqual(['{bindir}/*', '{mandir}/man1/*']);
  });
});

describe('inferRecipe: a CMake library as libcbor builds it', () => {
  it('issue 14: reads add_library and SOVERSION ${MAJOR}.${MINOR} from src/CMakeLists.txt, asks for BUILD_SHARED_LIBS, takes test-only CMocka as optional and a RUNTIME DESTINATION for DLLs as no programs, gates with pkg-config on both families', () => {
    const tree = memoryTree({
      'CMakeLists.txt': 'cmake_minimum_required(VERSION 3.0)\nproject(libcbor)\nSET(CBOR_VERSION_MAJOR "0")\nSET(CBOR_VERSION_MINOR "10")\noption(WITH_TESTS "[TEST] Build unit tests (requires CMocka)" OFF)\nadd_subdirectory(src)\nif (WITH_TESTS)\n  add_subdirectory(test)\nendif (WITH_TESTS)\n',
      'src/CMakeLists.txt': 'add_library(cbor ${SOURCES})\nset_target_properties(cbor PROPERTIES\n\t\tVERSION ${CBOR_VERSION}\n\t\tSOVERSION ${CBOR_VERSION_MAJOR}.${CBOR_VERSION_MINOR})\ninstall(TARGETS cbor\n  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}\n  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})\n',
      'examples/CMakeLists.txt': 'add_executable(readfile readfile.c)\ninstall(TARGETS readfile RUNTIME DESTINATION bin)\n',
      'src/libcbor.pc.in': 'Name: libcbor\nDescription: CBOR protocol implementation for C and others\n',
      'test/CMakeLists.txt': 'find_package(CMocka REQUIRED)\n',
      'LICENSE.md': 'MIT License\n\nCopyright (c) 2014-2017 Pavel Kalvoda\n\nPermission is hereby granted, free of charge, to any person obtaining a copy',
    });
    const { recipe } = inferRecipe({ tree, upstream: guessUpstream('https://github.com/PJK/libcbor/archive/refs/tags/v0.10.2.tar.gz')! });
    expect(recipe.packages.map((pkg) => [pkg.name, pkg.role])).toEqual([
      ['libcbor0.10', 'library'],
      ['libcbor-dev', 'dev'],
    ]);
    expect(recipe.build).toEqual({ system: 'cmake', configure: ['-DBUILD_SHARED_LIBS=ON'] });
    expect(recipe.depends).toBeUndefined();
    // ldconfig -p failed the debian-12-rpm gate (/usr/lib64 is not in Debian's loader cache); the .pc is found on both families.
    expect(recipe.gate).toEqual({ smoke: [['pkg-config', '--modversion', 'libcbor']], requires: ['pkg-config'], expect: '^{version}$' });
  });
});

describe('renderRecipe: a signed upstream', () => {
  it('issue 14: writes signature: {url: "{url}.sig", key: keys/signing-key.asc} when a signature sits beside the tarball (less), with the key to add in a comment', () => {
    const tree = memoryTree({ configure: '#!/bin/sh\n', 'less.nro': '.SH NAME\nless \\- display the contents of a file in a terminal\n' });
    const inference = inferRecipe({
      tree,
      upstream: guessUpstream('https://www.greenwoodsoftware.com/less/less-668.tar.gz')!,
      sha256: 'a'.repeat(64),
      signatureUrl: 'https://www.greenwoodsoftware.com/less/less-668.tar.gz.sig',
    });
    expect(inference.recipe.upstream).toMatchObject({ signature: { url: '{url}.sig', key: 'keys/signing-key.asc' }, sha256: { '668': 'a'.repeat(64) } });
    expect(renderRecipe(inference, 'https://www.greenwoodsoftware.com/less/less-668.tar.gz')).toMatch(/# upstream signs releases \(.*less-668\.tar\.gz\.sig\): put its OpenPGP key at recipes\/less\/keys\/signing-key\.asc[^\n]*\n {2}signature:/);
  });
});

describe('inferRecipe: a plain Makefile library', () => {
  it('issue 14: passes LIBDIR={libdir} when the Makefile installs under its own LIBDIR (xxHash put libxxhash.so in /usr/lib and dh_install missed it), and lists the static library it installs', () => {
    const tree = memoryTree({
      Makefile: [
        'prefix      ?= /usr/local',
        'PREFIX      ?= $(prefix)',
        'libdir      ?= $(EXEC_PREFIX)/lib',
        'LIBDIR      ?= $(libdir)',
        "LIBVER_MAJOR_SCRIPT:=`$(SED) -n '/define XXH_VERSION_MAJOR/s/.*[[:blank:]]\\([0-9][0-9]*\\).*/\\1/p' < xxhash.h`",
        'LIBVER_MAJOR := $(shell echo $(LIBVER_MAJOR_SCRIPT))',
        '\tSONAME_FLAGS = -Wl,-soname=libxxhash.$(SHARED_EXT).$(LIBVER_MAJOR)',
        'install: lib',
        '\t$(Q)$(MAKE_DIR) $(DESTDIR)$(LIBDIR)',
        '\t$(Q)$(INSTALL_DATA) libxxhash.a $(DESTDIR)$(LIBDIR)',
        '\t$(Q)$(INSTALL_PROGRAM) $(LIBXXH) $(DESTDIR)$(LIBDIR)',
      ].join('\n'),
      'xxhash.h': '#define XXH_VERSION_MAJOR    0\n',
    });
    const { recipe } = inferRecipe({ tree, upstream: guessUpstream('https://github.com/Cyan4973/xxHash/archive/refs/tags/v0.8.3.tar.gz')! });
    expect(recipe.build).toEqual({ system: 'make', make: ['LIBDIR={libdir}'] });
    // It installs libxxhash.a too; dh_missing failed the trial build while the dev package did not list it.
    expect(recipe.packages.find((pkg) => pkg.role === 'dev')?.files).toContain('{libdir}/lib*.a');
    expect(inferRecipe({ tree: memoryTree({ Makefile: 'all:\n\tcc -o tool tool.c\n' }), upstream: guessUpstream('https://example.org/tool-1.0.tar.gz')! }).recipe.build).toEqual({ system: 'make' });
  });
});
