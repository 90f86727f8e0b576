import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSet } from '../../../src/generate/generations.js';
import { fillMirror } from '../../../src/mirror/fill.js';
import { loadMirrorManifest, manifestFiles } from '../../../src/mirror/manifest.js';
import { createStaticHandler, listen, type RunningServer } from '../../../src/serve/static.js';
import { ROOT } from '../../generate/deb/cases.js';
import { helloTarball } from '../../generate/upstream-tarballs.js';
import { runCli } from '../run-cli.js';

/**
 * `freshet generate` end to end: a config in a temporary folder, the real hello recipe and tarball.
 * The config rewrites https://ftp.gnu.org/ to the local upstream mirror (var/mirror), as the demo
 * config does, so a generate without --tarball really watches, fetches and verifies hello.
 */
const MIRROR_DIR = path.join(ROOT, 'var/mirror');
const MIRRORED_TARBALL = path.join(MIRROR_DIR, 'ftp.gnu.org/gnu/hello/hello-2.12.3.tar.gz');
let work: string;
let config: string;
let tarball: string;
let mirror: RunningServer;
/** Paths the mirror was asked for, so a test can tell the bytes came from it. */
const mirrorRequests: string[] = [];

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A config for the two targets whose rewrite sends ftp.gnu.org to `upstreamBase`. */
function writeConfig(file: string, upstreamBase: string): void {
  writeFileSync(
    file,
    [
      `recipes: ${path.join(ROOT, 'recipes')}`,
      'state: state',
      'maintainer: Freshet Builder <builds@example.org>',
      'targets:',
      '  - id: debian-12',
      '    family: deb',
      '    distro: debian',
      '    release: "12"',
      '    codename: bookworm',
      '    image: { bootstrap: { mirror: "http://deb.debian.org/debian" } }',
      '  - id: fedora-41',
      '    family: rpm',
      '    distro: fedora',
      '    release: "41"',
      '    codename: fedora-41',
      '    image: { registry: "registry.fedoraproject.org/fedora:41" }',
      '  - id: debian-12-rpm',
      '    family: rpm',
      '    distro: debian',
      '    release: "12"',
      '    codename: debian-12-rpm',
      '    image: { bootstrap: { mirror: "http://deb.debian.org/debian", suite: bookworm } }',
      'rewrites:',
      '  - from: https://ftp.gnu.org/',
      `    to: ${upstreamBase}`,
      'allowHosts:',
      `  - ${new URL(upstreamBase).host}`,
      '',
    ].join('\n'),
  );
}

beforeAll(async () => {
  tarball = await helloTarball();
  // Present files are only re-hashed; a fresh machine gets hello from Debian's pool.
  await fillMirror(MIRROR_DIR, manifestFiles(loadMirrorManifest(), ['hello']));
  const serveMirror = createStaticHandler({ root: MIRROR_DIR, listings: true });
  mirror = await listen((request, response) => {
    mirrorRequests.push(request.url ?? '');
    serveMirror(request, response);
  }, '127.0.0.1', 0);
  work = mkdtempSync(path.join(tmpdir(), 'freshet-generate-cli-'));
  config = path.join(work, 'freshet.config.yaml');
  writeConfig(config, `${mirror.url}ftp.gnu.org/`);
});

afterAll(async () => {
  await mirror?.close();
});

const generate = (out: string, ...extra: string[]) =>
  runCli(['-c', config, 'generate', 'hello', '--target', 'debian-12', '--out', out, '--tarball', tarball, '--version', '2.12.3', ...extra]);

describe('freshet generate', () => {
  it('writes the source package, keeps the generation and diffs against it', async () => {
    const first = await generate(path.join(work, 'a'), '--date', '2025-06-01T12:00:00Z', '--diff');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`wrote ${path.join(work, 'a', 'hello_2.12.3.orig.tar.gz')}\n`);
    expect(first.stdout).toContain('--- /dev/null\n+++ b/debian/control\n');
    expect(readFileSync(path.join(work, 'a/hello-2.12.3/debian/changelog'), 'utf8')).toContain('hello (2.12.3-0~deb12+freshet1) bookworm;');
    expect([...readFileSet(path.join(work, 'state/generated/hello/debian-12')).keys()]).toContain('debian/rules');

    const same = await generate(path.join(work, 'b'), '--date', '2025-06-01T12:00:00Z', '--diff');
    expect(same.stdout).toContain('debian/: no changes since the previous generation');

    const later = await generate(path.join(work, 'c'), '--date', '2025-07-01T00:00:00Z', '--diff', '--package-version', '2.12.3-0~deb12+freshet2');
    expect(later.code).toBe(0);
    expect(later.stdout).toContain('-hello (2.12.3-0~deb12+freshet1) bookworm; urgency=medium\n+hello (2.12.3-0~deb12+freshet2) bookworm; urgency=medium\n');
    expect(later.stdout).not.toContain('+++ b/debian/control');
  });

  it('case 16: gives the same bytes under another time zone and locale', async () => {
    const saved = { TZ: process.env.TZ, LANG: process.env.LANG, LC_ALL: process.env.LC_ALL };
    try {
      Object.assign(process.env, { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' });
      await generate(path.join(work, 'tz1'), '--date', 'Sun, 01 Jun 2025 14:00:00 +0200');
      Object.assign(process.env, { TZ: 'Asia/Kolkata', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' });
      await generate(path.join(work, 'tz2', 'x'), '--date', 'Sun, 01 Jun 2025 14:00:00 +0200');
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    const debian = (dir: string) => [...readFileSet(path.join(dir, 'hello-2.12.3/debian'))].map(([name, bytes]) => [name, bytes.toString('hex')]);
    expect(debian(path.join(work, 'tz2', 'x'))).toEqual(debian(path.join(work, 'tz1')));
    expect(readFileSync(path.join(work, 'tz1/hello-2.12.3/debian/changelog'), 'utf8')).toContain('Sun, 01 Jun 2025 12:00:00 +0000');
  });

  it('exits 2 on configuration errors, naming the option', async () => {
    const badDate = await generate(path.join(work, 'x'), '--date', 'not a date');
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toBe('freshet: --date: "not a date" is not a date\n');
  });

  it('writes the spec and sources for an RPM target, keeps the spec and diffs against it', async () => {
    const rpmGenerate = (out: string, ...extra: string[]) =>
      runCli(['-c', config, 'generate', 'hello', '--target', 'fedora-41', '--out', path.join(work, out), '--tarball', tarball, '--version', '2.12.3', '--date', '2025-06-01T12:00:00Z', ...extra]);
    const first = await rpmGenerate('rpm-a', '--diff');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`wrote ${path.join(work, 'rpm-a', 'SPECS/hello.spec')}\n`);
    expect(first.stdout).toContain(`wrote ${path.join(work, 'rpm-a', 'SOURCES/hello-2.12.3.tar.gz')}\n`);
    expect(first.stdout).toContain('--- /dev/null\n+++ b/SPECS/hello.spec\n');
    const spec = readFileSync(path.join(work, 'rpm-a/SPECS/hello.spec'), 'utf8');
    expect(spec).toMatch(/^Release: +0\.fc41\.freshet1$/m);
    expect(sha256(path.join(work, 'rpm-a/SOURCES/hello-2.12.3.tar.gz'))).toBe(sha256(tarball));
    expect([...readFileSet(path.join(work, 'state/generated/hello/fedora-41')).keys()]).toEqual(['SPECS/hello.spec']);
    const same = await rpmGenerate('rpm-b', '--diff');
    expect(same.stdout).toContain('SPECS/: no changes since the previous generation');
  });

  it('explain -t debian-12-rpm describes rpmbuild, rpmlint, the YUM repository and the gate image with the Debian packages', async () => {
    const rpm = await runCli(['-c', config, 'explain', 'lynx', '-t', 'debian-12-rpm', '--version', '2.9.2']);
    expect(rpm.stderr).toBe('');
    expect(rpm.code).toBe(0);
    expect(rpm.stdout).toContain('["rpmbuild","-ba","--nodeps","--define","_topdir /build","SPECS/lynx.spec"]');
    expect(rpm.stdout).toContain('    rpmlint [');
    expect(rpm.stdout).toContain('    gate-image [localhost/freshet/builder:debian-12-rpm, network default]');
    expect(rpm.stdout).toContain('libncurses-dev, libssl-dev');
    expect(rpm.stdout).toContain('(rpm/debian-12-rpm, ');
    expect(rpm.stdout).toContain('rpm/debian-12-rpm/packages)');
    expect(rpm.stdout).toContain('packages:     lynx, lynx-common');
    for (const debianOnly of ['dpkg-buildpackage', 'lintian', '.changes', 'dists/']) expect(rpm.stdout).not.toContain(debianOnly);
  });

  it('explain names each dependency once, from freshet\'s archive (with the recipe) or the distribution, and the build order', async () => {
    const chain = await runCli(['-c', config, 'explain', 'libgcrypt', '-t', 'debian-12', '--version', '1.12.4']);
    expect(chain.code, chain.stderr).toBe(0);
    expect(chain.stdout).toContain('  from:     libgpg-error-dev (freshet archive, recipe libgpg-error)\n');
    expect(chain.stdout).toContain('  order:    libgpg-error → libgcrypt\n');
    const plain = await runCli(['-c', config, 'explain', 'lynx', '-t', 'debian-12', '--version', '2.9.2']);
    expect(plain.stdout).toMatch(/^  from: +libncurses-dev \(distribution\), .*gettext \(distribution\)\n/m);
  });

  it('without --tarball watches the mirrored upstream, fetches and verifies the newest release, or the one --version names', async () => {
    mirrorRequests.length = 0;
    const out = path.join(work, 'fetched');
    const fetched = await runCli(['-c', config, 'generate', 'hello', '--target', 'debian-12', '--out', out, '--date', '2025-06-01T12:00:00Z']);
    expect(fetched.code).toBe(0);
    expect(fetched.stderr).toMatch(/^tarball fetched \(recipe=hello version=2\.12\.3 sha256=[0-9a-f]{64} verifiedBy=openpgp:[0-9A-F]{40}\)\n$/);
    expect(mirrorRequests).toEqual(['/ftp.gnu.org/gnu/hello/', '/ftp.gnu.org/gnu/hello/hello-2.12.3.tar.gz', '/ftp.gnu.org/gnu/hello/hello-2.12.3.tar.gz.sig']);
    expect(fetched.stdout).toContain(`wrote ${path.join(out, 'hello_2.12.3.orig.tar.gz')}\n`);
    expect(fetched.stdout).toContain(`wrote ${path.join(out, 'hello_2.12.3.orig.tar.gz.asc')}\n`);
    expect(sha256(path.join(out, 'hello_2.12.3.orig.tar.gz'))).toBe(sha256(MIRRORED_TARBALL));
    expect(readFileSync(path.join(out, 'hello_2.12.3.orig.tar.gz.asc'), 'utf8')).toMatch(/^-----BEGIN PGP SIGNATURE-----\n/);
    expect(readFileSync(path.join(out, 'hello-2.12.3/debian/changelog'), 'utf8')).toMatch(/^hello \(2\.12\.3-0~deb12\+freshet1\) bookworm; urgency=medium\n/);
    expect(readFileSync(path.join(out, 'hello-2.12.3/debian/upstream/signing-key.asc'), 'utf8')).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');

    const older = await runCli(['-c', config, 'generate', 'hello', '--target', 'debian-12', '--out', path.join(work, 'older'), '--version', '2.10']);
    expect(older.code).toBe(0);
    expect(older.stderr).toContain('tarball fetched (recipe=hello version=2.10 ');
    expect(sha256(path.join(work, 'older/hello_2.10.orig.tar.gz'))).toBe(sha256(path.join(MIRROR_DIR, 'ftp.gnu.org/gnu/hello/hello-2.10.tar.gz')));
  });

  it('an unreachable or missing upstream is a failure naming the recipe and the URL, not a config error, and writes nothing', async () => {
    const closed = await listen((_request, response) => response.end(), '127.0.0.1', 0);
    await closed.close();
    const unreachableConfig = path.join(work, 'unreachable.config.yaml');
    writeConfig(unreachableConfig, `${closed.url}ftp.gnu.org/`);
    const unreachable = await runCli(['-c', unreachableConfig, 'generate', 'hello', '--target', 'debian-12', '--out', path.join(work, 'z')]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`freshet: hello: `);
    expect(unreachable.stderr).toContain(`${closed.url}ftp.gnu.org/gnu/hello/: connect ECONNREFUSED ${new URL(closed.url).host}\n`);
    expect(existsSync(path.join(work, 'z'))).toBe(false);

    // The mirror is up but has nothing under this prefix: the listing answers 404.
    const missingConfig = path.join(work, 'missing.config.yaml');
    writeConfig(missingConfig, `${mirror.url}nowhere/`);
    const missing = await runCli(['-c', missingConfig, 'generate', 'hello', '--target', 'debian-12', '--out', path.join(work, 'z')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('freshet: hello: html-index:https://ftp.gnu.org/gnu/hello/: no such project upstream (404)\n');
    expect(existsSync(path.join(work, 'z'))).toBe(false);
  });

  it('exits 1 when the tarball cannot be unpacked, naming the file', async () => {
    const broken = path.join(work, 'broken-2.12.3.tar.gz');
    writeFileSync(broken, 'not a tarball');
    const result = await runCli(['-c', config, 'generate', 'hello', '--target', 'debian-12', '--out', path.join(work, 'w'), '--tarball', broken, '--version', '2.12.3']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`freshet: ${broken}: refusing to unpack: not a tar (plain, gzip, xz, bzip2, zstd) or zip archive\n`);
  });
});
