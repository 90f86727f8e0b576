import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { podman } from '../../../src/build/engine/podman/index.js';
import { ensureBuilderImage } from '../../../src/build/images.js';
import { ownerLabels } from '../../../src/build/labels.js';
import { findTarget, loadConfig } from '../../../src/config/load.js';
import { capture } from '../../../src/core/exec.js';
import { RPM_LINE_GUARD } from '../../../src/generate/helpers.js';
import { generateRpmSource } from '../../../src/generate/rpm/index.js';
import { renderSpec } from '../../../src/generate/rpm/render.js';
import { loadRecipeFile, resolveRecipe } from '../../../src/recipe/load.js';
import { CASES, GOLDEN, MAINTAINER, ROOT, specInput } from './cases.js';

/**
 * Generated specs read by the real rpm. rpm runs `%(...)` and `%{lua:...}` while it parses a spec,
 * so every spec here is parsed and built only inside a debian-12-rpm builder container with
 * --network=none, no capabilities, as the image's unprivileged user; on the host rpm only reads
 * headers of the built packages.
 */
const config = loadConfig('freshet.config.yaml');
const target = findTarget(config, 'debian-12-rpm');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'freshet-spec-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A work folder the container's unprivileged user may write to, mounted at /work. */
function workDir(...parts: string[]): string {
  const dir = path.join(scratch, ...parts);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  return dir;
}

/** `script` runs with `sh -c` in /work; failures throw with the container's output. */
async function inRpmImage(dir: string, script: string): Promise<string> {
  const image = (await ensureBuilderImage(target, { engine: podman, stateDir: config.stateDir })).ref;
  const name = `freshet-test-spec-${process.pid}-${Date.now()}`;
  const result = await podman.run({
    image,
    command: ['sh', '-c', `set -eu; cd /work; umask 000; ${script}`],
    name,
    network: 'none',
    capabilities: 'none',
    mounts: [{ source: dir, target: '/work', readonly: false }],
    labels: ownerLabels(name),
    timeoutMs: 10 * 60_000,
  });
  return result.stdout;
}

/** A small upstream tarball with one top folder. */
async function tarball(dir: string, file: string, topDir: string): Promise<string> {
  const tree = mkdtempSync(path.join(scratch, 'tree-'));
  mkdirSync(path.join(tree, topDir));
  writeFileSync(path.join(tree, topDir, 'README'), 'hello\n');
  const out = path.join(dir, file);
  await tar.c({ gzip: true, file: out, cwd: tree, portable: true }, [topDir]);
  return out;
}

const rpmQuery = (file: string, format: string) => capture('rpm', ['-qp', '--nosignature', '--nodigest', '--queryformat', format, file]);

/** Upstream-controlled text that rpm 4.18 would read as sections, conditionals, an include, comments or macros. */
const HOSTILE_DESCRIPTION = [
  'A greeting, and an attempt to add scriptlets.',
  '%post',
  'echo INJECTED-POST',
  '%pre -p /bin/sh',
  '%if 0',
  'a line rpm would hide',
  '%endif',
  '  %include /etc/hostname',
  '# a README heading rpm would drop as a comment',
  '%{lua: print("LUA-RAN")} and %(echo SHELL-RAN) and %{expand:%%post}',
  'Ends with a backslash \\',
  "$HOME `id` 'single' \"double\" ; 100%",
].join('\n');
const HOSTILE_SUMMARY = 'greets %{lua: print("LUA-RAN")} %(echo SHELL-RAN) 100%';
const HOSTILE_LICENSE = 'MIT AND %{lua: print("LUA-RAN")}';
const HOSTILE_URL = 'https://example.org/%{lua:print("LUA-RAN")}/%(id)/%{expand:%%post}';
const HOSTILE_MAINTAINER = 'Mallory %(echo SHELL-RAN) %{expand:%%post} <m@example.org>';
const HOSTILE_ARG = `$HOME \`id\` 'single' "double" ; # \\ %{lua: print("LUA-RAN")} %(echo SHELL-RAN) %post`;

describe('generated specs read by rpm in the debian-12-rpm image', () => {
  it('case 34: hostile description, summary, license, URL and changelog build an RPM with no scriptlet, read back literally', async () => {
    const dir = workDir('hostile');
    workDir('hostile', 'top');
    mkdirSync(path.join(dir, 'top/SPECS'));
    mkdirSync(path.join(dir, 'top/SOURCES'));
    await tarball(path.join(dir, 'top/SOURCES'), 'hello-2.12.3.tar.gz', 'hello-2.12.3');
    const input = { ...specInput(CASES[0]!), licenseFiles: [], docFiles: [] };
    input.recipe.description = HOSTILE_DESCRIPTION;
    input.recipe.summary = HOSTILE_SUMMARY;
    input.recipe.license = HOSTILE_LICENSE;
    input.recipe.homepage = HOSTILE_URL;
    input.maintainer = HOSTILE_MAINTAINER;
    input.recipe.build = {
      system: 'custom',
      steps: {
        build: [['sh', '-c', 'printf "ARG[%s]\\n" "$1"', 'sh', HOSTILE_ARG]],
        install: [['sh', '-c', 'mkdir -p "$DESTDIR/usr/share/hello" && cp README "$DESTDIR/usr/share/hello/"']],
      },
    };
    writeFileSync(path.join(dir, 'top/SPECS/hello.spec'), renderSpec(input));
    const log = await inRpmImage(
      dir,
      `rpmspec -q --srpm --qf '%{DESCRIPTION}' top/SPECS/hello.spec > description.txt
rpmbuild -ba --nodeps --define "_topdir /work/top" top/SPECS/hello.spec 2>&1`,
    );
    expect(log.split('\n')).toContain(`ARG[${HOSTILE_ARG}]`);
    expect(log).not.toMatch(/^(LUA-RAN|SHELL-RAN)/m);

    const expected = HOSTILE_DESCRIPTION.split('\n')
      .map((line) => (/^\s*[%#]/.test(line) ? `${RPM_LINE_GUARD}${line}` : line))
      .join('\n');
    const [binary] = readdirSync(path.join(dir, 'top/RPMS/x86_64')).filter((name) => name.startsWith('hello-2.12.3'));
    const [source] = readdirSync(path.join(dir, 'top/SRPMS'));
    for (const file of [path.join(dir, 'top/RPMS/x86_64', binary!), path.join(dir, 'top/SRPMS', source!)]) {
      expect(await capture('rpm', ['-qp', '--nosignature', '--nodigest', '--scripts', file])).toBe('');
      expect(await rpmQuery(file, '%{DESCRIPTION}')).toBe(expected);
      expect(await rpmQuery(file, '%{SUMMARY}\n%{LICENSE}\n%{URL}\n%{CHANGELOGNAME}')).toBe(
        `${HOSTILE_SUMMARY}\n${HOSTILE_LICENSE}\n${HOSTILE_URL}\n${HOSTILE_MAINTAINER} - 2.12.3-0.deb12.freshet1`,
      );
    }
    expect(readFileSync(path.join(dir, 'description.txt'), 'utf8')).toBe(expected);
  });

  it('case 39: a tarball whose top folder is x\';id;\' is refused before any spec is written', async () => {
    const dir = workDir('topdir');
    const file = await tarball(dir, 'hello-2.12.3.tar.gz', "x';id;'");
    const input = specInput(CASES[0]!);
    const outDir = path.join(dir, 'out');
    await expect(
      generateRpmSource({ ...input, recipeFilesDir: path.join(ROOT, 'recipes'), tarball: file, maintainer: MAINTAINER, outDir }),
    ).rejects.toThrow(`hello: upstream tarball hello-2.12.3.tar.gz: refusing top folder "x';id;'"`);
    expect(existsSync(path.join(outDir, 'SPECS'))).toBe(false);
  });

  it('a library whose tools are named like the recipe builds from configure.ac alone: autoreconf -fi, packages tinyhash, tinyhash-libs, tinyhash-devel', async () => {
    const dir = workDir('tinyhash');
    const tree = mkdtempSync(path.join(scratch, 'tinyhash-tree-'));
    const top = path.join(tree, 'tinyhash-1.0');
    mkdirSync(top);
    const files: Record<string, string> = {
      'configure.ac': 'AC_INIT([tinyhash], [1.0])\nAM_INIT_AUTOMAKE([foreign])\nAC_PROG_CC\nLT_INIT\nAC_CONFIG_FILES([Makefile])\nAC_OUTPUT\n',
      'Makefile.am': 'lib_LTLIBRARIES = libtinyhash.la\nlibtinyhash_la_SOURCES = tinyhash.c\nlibtinyhash_la_LDFLAGS = -version-info 0:0:0\ninclude_HEADERS = tinyhash.h\nbin_PROGRAMS = tinyhash\ntinyhash_SOURCES = main.c\ntinyhash_LDADD = libtinyhash.la\n',
      'tinyhash.h': 'unsigned tinyhash(const char *s);\n',
      'tinyhash.c': '#include "tinyhash.h"\nunsigned tinyhash(const char *s) { unsigned h = 5381; while (*s) h = h * 33 + (unsigned char)*s++; return h; }\n',
      'main.c': '#include <stdio.h>\n#include "tinyhash.h"\nint main(void) { printf("tinyhash %u\\n", tinyhash("freshet")); return 0; }\n',
      COPYING: 'MIT\n',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(top, name), text);
    const source = path.join(dir, 'tinyhash-1.0.tar.gz');
    await tar.c({ gzip: true, file: source, cwd: tree, portable: true }, ['tinyhash-1.0']);
    const recipeFile = fileURLToPath(new URL('./fixtures/tinyhash.yaml', import.meta.url));
    const recipe = resolveRecipe(loadRecipeFile(recipeFile), 'rpm', target.id);
    const generated = await generateRpmSource({
      recipe,
      recipeFilesDir: path.dirname(recipeFile),
      target,
      upstreamVersion: '1.0',
      packageVersion: '1.0-0.deb12.freshet1',
      tarball: source,
      maintainer: MAINTAINER,
      date: '2026-01-01T12:00:00Z',
      outDir: workDir('tinyhash', 'top'),
    });
    expect(generated.manifest.packages).toEqual(['tinyhash', 'tinyhash-libs', 'tinyhash-devel']);
    const log = await inRpmImage(dir, 'rpmbuild -ba --nodeps --define "_topdir /work/top" top/SPECS/tinyhash.spec 2>&1');
    expect(log).toContain('autoreconf -fi');
    const built = readdirSync(path.join(dir, 'top/RPMS/x86_64')).filter((name) => !name.includes('-debug')).sort();
    expect(built).toEqual(['tinyhash-1.0-0.deb12.freshet1.x86_64.rpm', 'tinyhash-devel-1.0-0.deb12.freshet1.x86_64.rpm', 'tinyhash-libs-1.0-0.deb12.freshet1.x86_64.rpm']);
    const rpmFile = (name: string) => path.join(dir, 'top/RPMS/x86_64', `${name}-1.0-0.deb12.freshet1.x86_64.rpm`);
    expect(await capture('rpm', ['-qpl', '--nosignature', '--nodigest', rpmFile('tinyhash-libs')])).toMatch(/^\/usr\/lib64\/libtinyhash\.so\.0$/m);
    expect(await capture('rpm', ['-qpR', '--nosignature', '--nodigest', rpmFile('tinyhash')])).toMatch(/^tinyhash-libs\(x86-64\) = 1\.0-0\.deb12\.freshet1$/m);
    expect(await capture('rpm', ['-qpR', '--nosignature', '--nodigest', rpmFile('tinyhash-devel')])).toMatch(/^tinyhash-libs\(x86-64\) = 1\.0-0\.deb12\.freshet1$/m);
  });

  it('every golden spec parses with rpmspec -P and builds a source RPM with rpmbuild -bs', async () => {
    const goldens = readdirSync(GOLDEN, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.spec')).sort();
    const cases = CASES.map((testCase) => ({ testCase, golden: `${testCase.recipe}/${testCase.target.id}/${testCase.recipe}.spec` }));
    // A golden spec without a case would go untested here.
    expect(goldens).toEqual(cases.map((item) => item.golden).sort());
    const dir = workDir('golden');
    for (const { testCase, golden } of cases) {
      const spec = readFileSync(path.join(GOLDEN, golden), 'utf8');
      expect(renderSpec(specInput(testCase))).toBe(spec);
      const top = workDir('golden', testCase.recipe);
      mkdirSync(path.join(top, 'SPECS'));
      mkdirSync(path.join(top, 'SOURCES'));
      writeFileSync(path.join(top, 'SPECS', `${testCase.recipe}.spec`), spec);
      // rpmbuild -bs packs Source0 without unpacking it: a stand-in of the same name will do.
      await tarball(path.join(top, 'SOURCES'), testCase.tarballName, testCase.topDir);
    }
    const names = CASES.map((testCase) => testCase.recipe).join(' ');
    const out = await inRpmImage(
      dir,
      `for name in ${names}; do
  rpmspec -P "$name/SPECS/$name.spec" > "$name/parsed.spec"
  rpmbuild -bs --define "_topdir /work/$name" "$name/SPECS/$name.spec"
done`,
    );
    for (const testCase of CASES) {
      const parsed = readFileSync(path.join(dir, testCase.recipe, 'parsed.spec'), 'utf8');
      expect(parsed).toMatch(new RegExp(`^Name: +${testCase.recipe}$`, 'm'));
      expect(parsed).toContain(`cd '${testCase.topDir}'`);
      const [srpm] = readdirSync(path.join(dir, testCase.recipe, 'SRPMS'));
      expect(out).toContain(`Wrote: /work/${testCase.recipe}/SRPMS/${srpm}`);
      const summary = /^Summary: +(.*)$/m.exec(readFileSync(path.join(GOLDEN, `${testCase.recipe}/${testCase.target.id}/${testCase.recipe}.spec`), 'utf8'))![1]!;
      expect(await rpmQuery(path.join(dir, testCase.recipe, 'SRPMS', srpm!), '%{NAME} %{VERSION} %{SUMMARY}')).toBe(
        `${testCase.recipe} ${testCase.upstreamVersion} ${summary.replaceAll('%%', '%')}`,
      );
    }
  });
});
