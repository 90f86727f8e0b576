import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSet } from '../../../src/generate/generations.js';
import { ROOT } from '../../generate/deb/cases.js';
import { helloTarball } from '../../generate/upstream-tarballs.js';
import { runCli } from '../run-cli.js';

/** `freshet generate` end to end: a config in a temporary folder, the real hello recipe and tarball. */
let work: string;
let config: string;
let tarball: string;

beforeAll(async () => {
  tarball = await helloTarball();
  work = mkdtempSync(path.join(tmpdir(), 'freshet-generate-cli-'));
  config = path.join(work, 'freshet.config.yaml');
  writeFileSync(
    config,
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
      '',
    ].join('\n'),
  );
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

  it('gives the same bytes under another time zone and locale', async () => {
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

  it('exits 2 on configuration errors', async () => {
    expect((await generate(path.join(work, 'x'), '--date', 'not a date')).code).toBe(2);
    const rpm = await runCli(['-c', config, 'generate', 'hello', '--target', 'fedora-41', '--out', path.join(work, 'y'), '--tarball', tarball]);
    expect(rpm.code).toBe(2);
    expect(rpm.stderr).toContain('only Debian-family targets');
  });

  it('without --tarball fetches the release, and an unreachable upstream is a failure naming it, not a config error', async () => {
    const noTarball = await runCli(['-c', config, 'generate', 'hello', '--target', 'debian-12', '--out', path.join(work, 'z')]);
    expect(noTarball.code).toBe(1);
    expect(noTarball.stderr).toMatch(/hello/);
    expect(existsSync(path.join(work, 'z'))).toBe(false);
  });

  it('exits 1 when the tarball cannot be unpacked', async () => {
    const broken = path.join(work, 'broken-2.12.3.tar.gz');
    writeFileSync(broken, 'not a tarball');
    const result = await runCli(['-c', config, 'generate', 'hello', '--target', 'debian-12', '--out', path.join(work, 'w'), '--tarball', broken, '--version', '2.12.3']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('tar');
  });
});
