import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEMPLATES_DIR } from '../../../src/generate/handlebars.js';
import { renderDebianFiles } from '../../../src/generate/deb/render.js';
import { BuildSystem, type Build } from '../../../src/recipe/schema.js';
import { CASES, renderInput } from './cases.js';

/** debian/rules and Build-Depends for each build system, on the hello recipe. */
async function render(build: Build) {
  const input = renderInput(CASES[0]!);
  input.recipe.build = build;
  const files = await renderDebianFiles(input);
  const text = (name: string) => files.find((file) => file.path === name)!.content.toString('utf8');
  return { rules: text('debian/rules'), control: text('debian/control') };
}

describe('debian/rules per build system', () => {
  it('has one rules.d partial per build system the schema knows', async () => {
    const partials = readdirSync(path.join(TEMPLATES_DIR, 'debian/rules.d')).map((name) => name.replace(/\.hbs$/, ''));
    expect(partials.sort()).toEqual([...BuildSystem.options].sort());
  });

  it('autotools skips autoreconf unless the recipe asks for it', async () => {
    expect((await render({ system: 'autotools' })).rules).toContain('\tdh $@ --buildsystem=autoconf --without autoreconf\n');
    const withAutoreconf = (await render({ system: 'autotools', autoreconf: true, configure: ['--disable-nls'], make: ['V=1'] })).rules;
    expect(withAutoreconf).toContain('\tdh $@ --buildsystem=autoconf\n');
    expect(withAutoreconf).toContain('override_dh_auto_configure:\n\tdh_auto_configure -- --disable-nls\n');
    expect(withAutoreconf).toContain('override_dh_auto_build:\n\tdh_auto_build -- V=1\n');
  });

  it('cmake and meson add their tools to Build-Depends', async () => {
    expect((await render({ system: 'cmake' })).control).toContain('Build-Depends: debhelper-compat (= 13),\n cmake\n');
    const meson = await render({ system: 'meson', subdir: 'src' });
    expect(meson.rules).toContain('\tdh $@ --buildsystem=meson --sourcedirectory=src\n');
    expect(meson.control).toContain('Build-Depends: debhelper-compat (= 13),\n meson,\n ninja-build\n');
  });

  it('meson tests run with a timeout multiplier, unless the recipe turns them off', async () => {
    expect((await render({ system: 'meson' })).rules).toContain('override_dh_auto_test:\n\ttimeout --kill-after=10 1800 dh_auto_test -- --timeout-multiplier 5 || ');
    expect((await render({ system: 'meson', check: false })).rules).not.toContain('--timeout-multiplier');
  });

  it('make passes PREFIX=/usr and the recipe make arguments to build, install and clean (dh adds DESTDIR)', async () => {
    const { rules } = await render({ system: 'make', make: ['V=1'] });
    expect(rules).toContain('\tdh $@ --buildsystem=makefile\n');
    expect(rules).toContain('override_dh_auto_build:\n\tdh_auto_build -- PREFIX=/usr V=1\n');
    expect(rules).toContain('override_dh_auto_install:\n\tdh_auto_install -- PREFIX=/usr V=1\n');
    expect(rules).toContain('override_dh_auto_clean:\n\tdh_auto_clean -- PREFIX=/usr V=1\n');
    expect((await render({ system: 'make' })).rules).toContain('override_dh_auto_install:\n\tdh_auto_install -- PREFIX=/usr\n');
  });

  it('a make target (lua\'s linux-readline) is built once: install and clean get only the NAME=value arguments', async () => {
    const { rules } = await render({ system: 'make', make: ['linux-readline', 'V=1'] });
    expect(rules).toContain('override_dh_auto_build:\n\tdh_auto_build -- PREFIX=/usr linux-readline V=1\n');
    expect(rules).toContain('override_dh_auto_install:\n\tdh_auto_install -- PREFIX=/usr V=1\n');
    expect(rules).toContain('override_dh_auto_clean:\n\tdh_auto_clean -- PREFIX=/usr V=1\n');
    const targetOnly = (await render({ system: 'make', make: ['linux-readline'] })).rules;
    expect(targetOnly).toContain('override_dh_auto_install:\n\tdh_auto_install -- PREFIX=/usr\n');
    expect(targetOnly).not.toContain('override_dh_auto_clean');
    const autotools = (await render({ system: 'autotools', make: ['all-am', 'V=1'] })).rules;
    expect(autotools).toContain('\t[ ! -f Makefile ] || dh_auto_clean -- V=1\n');
    expect(autotools).toContain('override_dh_auto_install:\n\tdh_auto_install -- V=1\n');
  });

  it('autotools passes the make arguments to install and clean too', async () => {
    const { rules } = await render({ system: 'autotools', make: ['V=1'] });
    expect(rules).toContain('override_dh_auto_install:\n\tdh_auto_install -- V=1\n');
    expect(rules).toContain('\t[ ! -f Makefile ] || dh_auto_clean -- V=1\n');
  });

  it('fills {libdir} and friends in configure, make and env values with the Debian folders', async () => {
    const { rules } = await render({ system: 'make', configure: ['--libdir={libdir}'], make: ['LIBDIR={libdir}', 'MANDIR={mandir}'], env: { PKG_CONFIG_PATH: '{libdir}/pkgconfig' } });
    // Quoted for the shell; make expands $(shell …) before the shell sees the line.
    expect(rules).toContain("dh_auto_build -- PREFIX=/usr 'LIBDIR=/usr/lib/$(shell dpkg-architecture -qDEB_HOST_MULTIARCH)' 'MANDIR=/usr/share/man'\n");
    expect(rules).toContain('export PKG_CONFIG_PATH = /usr/lib/$(shell dpkg-architecture -qDEB_HOST_MULTIARCH)/pkgconfig\n');
  });

  it('gives the test suite build.checkTimeoutMinutes (default 30), then kills it and fails the build saying why', async () => {
    expect((await render({ system: 'cmake' })).rules).toContain('\ttimeout --kill-after=10 1800 dh_auto_test || ');
    const { rules } = await render({ system: 'autotools', checkTimeoutMinutes: 2 });
    expect(rules).toContain('\ttimeout --kill-after=10 120 dh_auto_test || { status=$$?;');
    expect(rules).toContain('ran longer than build.checkTimeoutMinutes (2 min); its processes were killed');
  });

  it('python uses pybuild and the python3 sequence', async () => {
    const { rules, control } = await render({ system: 'python' });
    expect(rules).toContain('\tdh $@ --buildsystem=pybuild\n');
    expect(control).toContain(' dh-sequence-python3,\n');
  });

  it('custom overrides every dh_auto step and runs the recipe commands', async () => {
    const { rules } = await render({ system: 'custom', check: false, steps: { build: [['make', 'all']], install: [['make', 'install']] } });
    expect(rules).toContain('\tdh $@\n');
    expect(rules).toContain('override_dh_auto_build:\n\tmake all\n');
    expect(rules).toContain('override_dh_auto_install:\n\tDESTDIR=$(CURDIR)/debian/hello make install\n');
    expect(rules.match(/^override_dh_auto_test:$/gm)).toHaveLength(1);
  });

  it('disables the upstream test suite when check is false', async () => {
    expect((await render({ system: 'cmake', check: false })).rules).toContain('override_dh_auto_test:\n');
    expect((await render({ system: 'cmake', check: false })).rules).toContain('upstream tests disabled by the recipe');
    expect((await render({ system: 'cmake' })).rules).not.toContain('upstream tests disabled by the recipe');
  });
});
