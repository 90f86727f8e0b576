import { createHmac } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { fillMirror } from '../../src/mirror/fill.js';
import { loadMirrorManifest, manifestFiles } from '../../src/mirror/manifest.js';
import { createStaticHandler, listen, type RunningServer } from '../../src/serve/static.js';
import { aptInstallFromArchive } from './install-client.js';

/**
 * The main job on hello, as an operator would see it: freshet watches the (mirrored) upstream,
 * builds, gates and publishes 2.12.3 for Debian 12 and 13, which ship 2.10; a clean container of
 * each target then installs it from the served archive through apt with signature checks.
 */
const repo = path.join(import.meta.dirname, '../..');
const cli = path.join(repo, 'src/cli/bin.js');
let project: string;
let config: string;
let mirror: RunningServer;
let archive: RunningServer;

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function freshet(...args: string[]) {
  return run(process.execPath, [cli, '--config', config, ...args], { allowFailure: true, cwd: project });
}

beforeAll(async () => {
  project = mkdtempSync(path.join(os.tmpdir(), 'freshet-acceptance-'));
  const mirrorDir = path.join(project, 'mirror');
  await fillMirror(mirrorDir, manifestFiles(loadMirrorManifest(), ['hello']));
  mirror = await listen(createStaticHandler({ root: mirrorDir, listings: true }), '127.0.0.1', 0);
  mkdirSync(path.join(project, 'recipes'));
  cpSync(path.join(repo, 'recipes/hello.yaml'), path.join(project, 'recipes/hello.yaml'));
  cpSync(path.join(repo, 'recipes/hello'), path.join(project, 'recipes/hello'), { recursive: true });
  const host = new URL(mirror.url).host;
  const base = readFileSync(path.join(repo, 'freshet.config.yaml'), 'utf8').split('\nrewrites:')[0]!;
  config = path.join(project, 'freshet.config.yaml');
  writeFileSync(
    config,
    `${base
      .replace('state: var/state', `state: ${path.join(project, 'state')}`)
      .replace('archive: var/archive', `archive: ${path.join(project, 'archive')}`)
      // The Debian suites are what this test is about; the rpm target has tests of its own.
      .replace('codename: debian-12-rpm\n', 'codename: debian-12-rpm\n    enabled: false\n')}
webhooks:
  hello:
    secretEnv: FRESHET_TEST_HOOK_SECRET
rewrites:
  - from: https://ftp.gnu.org/
    to: ${mirror.url}ftp.gnu.org/
allowHosts:
  - ${host}
  # As in the bundled config: Debian's mirror, reached here through a documentation-range address.
  - deb.debian.org:80
`,
  );
  expect((await freshet('key', 'create')).exitCode).toBe(0);
});

afterAll(async () => {
  await mirror?.close();
  await archive?.close();
});

describe('freshet on hello, Debian 12 and 13', () => {
  it('watch reports hello 2.12.3 as new for both targets, then nothing new', async () => {
    const first = await freshet('--json', 'watch');
    expect(first.exitCode).toBe(0);
    const [hello] = JSON.parse(first.stdout).recipes;
    expect(hello).toMatchObject({ recipe: 'hello', newest: '2.12.3', isNew: true });
    // The rpm-on-Debian target has no distribution index to ask; the two Debian suites ship 2.10.
    const debian = hello.targets.filter((target: { target: string }) => target.target === 'debian-12' || target.target === 'debian-13');
    expect(debian).toHaveLength(2);
    for (const target of debian) expect(target).toMatchObject({ needed: true, shipped: expect.stringMatching(/^2\.10-/) });

    const second = await freshet('--json', 'watch');
    expect(second.exitCode).toBe(0);
    expect(JSON.parse(second.stdout).recipes[0]).toMatchObject({ newest: '2.12.3', isNew: false });
  });

  it('run builds, gates and publishes 2.12.3 for both, and a second run does nothing', async () => {
    const first = await freshet('--json', 'run', '--target', 'debian-12', 'debian-13');
    expect(first.exitCode, first.stderr.slice(-3000)).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.jobs.map((job: { status: string }) => job.status)).toEqual(['published', 'published']);
    for (const job of summary.jobs) expect(job.lint.errors).toBe(0);

    const second = await freshet('--json', 'run', '--target', 'debian-12', 'debian-13');
    expect(second.exitCode).toBe(0);
    const again = JSON.parse(second.stdout);
    expect(again.jobs).toEqual([]);
    expect(again.plan.map((action: { kind: string }) => action.kind)).toEqual(['up-to-date', 'up-to-date']);
    expect((await freshet('verify')).exitCode).toBe(0);
  });

  it.each([
    ['debian-12', 'bookworm', '2.12.3-0~deb12+freshet1'],
    ['debian-13', 'trixie', '2.12.3-0~deb13+freshet1'],
  ])('a clean %s container installs hello from the served archive with signature checks', async (target, suite, version) => {
    archive ??= await listen(createStaticHandler({ root: path.join(project, 'archive') }), '127.0.0.1', 0);
    const result = await aptInstallFromArchive({
      target,
      url: archive.url,
      suite,
      keyring: readFileSync(path.join(project, 'archive', 'freshet-archive-keyring.gpg')),
      pkg: 'hello',
      probe: 'hello --version | head -1',
      name: `freshet-acceptance-${target}-${process.pid}`,
    });
    expect(result.exitCode, result.tail).toBe(0);
    expect(result.stdout).not.toMatch(/^(W|E|Err):/m);
    expect(result.stdout).toContain(`installed ${version}`);
    expect(result.stdout).toMatch(/hello \(GNU Hello\) 2\.12\.3/);
  });

  it('a signed upstream webhook rebuilds and publishes hello, and the status page shows it; a bad signature gets 401', async () => {
    const secret = 'acceptance-hook-secret-0123456789';
    const port = 18000 + (process.pid % 1000);
    const serve = execa(process.execPath, [cli, '--config', config, 'serve', '--listen', `127.0.0.1:${port}`], {
      cwd: project,
      env: { FRESHET_TEST_HOOK_SECRET: secret },
      reject: false,
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${url}/status.json`).catch(() => undefined))?.ok === true, 30_000);
      // A packager's change to the recipe: the next run rebuilds with the next rebuild number.
      const recipe = path.join(project, 'recipes/hello.yaml');
      writeFileSync(recipe, readFileSync(recipe, 'utf8').replace('  system: autotools\n', '  system: autotools\n  configure: [--disable-nls]\n'));
      const body = JSON.stringify({ action: 'published', release: { tag_name: 'v2.12.3' } });
      const bad = await fetch(`${url}/hooks/hello`, { method: 'POST', body, headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } });
      expect(bad.status).toBe(401);
      const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const good = await fetch(`${url}/hooks/hello`, { method: 'POST', body, headers: { 'x-hub-signature-256': signature } });
      expect(good.status).toBe(202);
      const published = async () => {
        type Status = { recipes: Array<{ name: string; cells: Array<{ publishedPackageVersion: string | null }> }> };
        const status = (await (await fetch(`${url}/status.json`)).json()) as Status;
        const hello = status.recipes.find((entry) => entry.name === 'hello')!;
        return hello.cells.map((cell) => cell.publishedPackageVersion);
      };
      await waitFor(async () => (await published()).every((version) => version?.endsWith('+freshet2')), 900_000);
      expect(await published()).toEqual(['2.12.3-0~deb12+freshet2', '2.12.3-0~deb13+freshet2']);
      const page = await (await fetch(`${url}/status/hello.html`)).text();
      expect(page).toContain('2.12.3-0~deb12+freshet2');
    } finally {
      serve.kill('SIGTERM');
      await serve;
    }
  });
});
