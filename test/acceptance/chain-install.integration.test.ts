import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { getEngine } from '../../src/build/engine/api.js';
import { imageRef } from '../../src/build/images.js';
import { run } from '../../src/core/exec.js';
import { dnfClient } from '../../src/gate/rpm/dnf.js';
import { fillMirror } from '../../src/mirror/fill.js';
import { loadMirrorManifest, manifestFiles } from '../../src/mirror/manifest.js';
import { createStaticHandler, listen, type RunningServer } from '../../src/serve/static.js';
import { StateStore } from '../../src/state/store.js';
import { buildCli } from '../reliability/tick-project.js';

/**
 * The bundled chain as an operator meets it (issue 15): on a fresh state, `freshet run` builds
 * libgpg-error 1.61 (Debian 12 ships 1.46) before libgcrypt 1.12.4 (whose configure refuses
 * libgpg-error < 1.56) on debian-12 and publishes both; a clean debian-12 container set up from
 * `freshet serve` as its instructions say installs libgcrypt, which pulls the fresh libgpg-error
 * from the archive, and libgcrypt's smoke command runs. The same on debian-12-rpm: dnf resolves the
 * consumer's requirements in the served YUM repository as the RPM gate does, and the builder image
 * installs the packages with signatures enforced.
 */
const repo = path.join(import.meta.dirname, '../..');
const cli = path.join(repo, 'src/cli/bin.js');
const CHAIN = ['libgpg-error', 'libgcrypt'];
let project: string;
let config: string;
let mirror: RunningServer;
let serve: ResultPromise | undefined;
let serveUrl: string | undefined;

async function freshet(...args: string[]) {
  return run(process.execPath, [cli, '--config', config, ...args], { allowFailure: true, cwd: project, timeoutMs: 3_600_000 });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** GET from `freshet serve`, polled until it answers. */
async function get(url: string): Promise<Response> {
  for (let tries = 0; tries < 300; tries++) {
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok) return response;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`GET ${url}: no answer from freshet serve`);
}

/** A setup file from `freshet serve`, once serve has rewritten the run's copy (which names the configured address) with its own. */
async function setupFile(url: string, name: string): Promise<string> {
  for (let tries = 0; tries < 300; tries++) {
    const text = await (await get(`${url}setup/${name}`)).text();
    if (text.includes(url)) return text;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`setup/${name} never named ${url}`);
}

const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

beforeAll(async () => {
  await buildCli();
  project = mkdtempSync(path.join(os.tmpdir(), 'freshet-chain-install-'));
  const mirrorDir = path.join(project, 'mirror');
  await fillMirror(mirrorDir, manifestFiles(loadMirrorManifest(), CHAIN));
  mirror = await listen(createStaticHandler({ root: mirrorDir, listings: true }), '127.0.0.1', 0);
  mkdirSync(path.join(project, 'recipes'));
  for (const name of CHAIN) cpSync(path.join(repo, 'recipes', `${name}.yaml`), path.join(project, 'recipes', `${name}.yaml`));
  cpSync(path.join(repo, 'recipes/libgcrypt'), path.join(project, 'recipes/libgcrypt'), { recursive: true });
  const base = readFileSync(path.join(repo, 'freshet.config.yaml'), 'utf8').split('\nrewrites:')[0]!;
  config = path.join(project, 'freshet.config.yaml');
  writeFileSync(
    config,
    `${base.replace('state: var/state', `state: ${path.join(project, 'state')}`).replace('archive: var/archive', `archive: ${path.join(project, 'archive')}`)}
rewrites:
  - from: https://gnupg.org/
    to: ${mirror.url}gnupg.org/
allowHosts:
  - ${new URL(mirror.url).host}
  # As in the bundled config: Debian's mirror, reached here through a documentation-range address.
  - deb.debian.org:80
`,
  );
  expect((await freshet('key', 'create')).exitCode).toBe(0);
});

afterAll(async () => {
  if (serve) {
    serve.kill('SIGTERM');
    await serve;
  }
  await mirror?.close();
});

/** `freshet run` of the chain on one target: libgpg-error is built and gated before libgcrypt starts, and both go live in one publish. */
async function runChain(targetId: string, suite: string, versions: Record<string, string>): Promise<void> {
  // Recipes before --target: the option takes every word after it.
  const result = await freshet('--json', 'run', ...CHAIN, '--target', targetId);
  expect(result.exitCode, result.stderr.slice(-3000)).toBe(0);
  const summary = JSON.parse(result.stdout);
  expect(summary.order).toEqual([{ targetId, stages: [['libgpg-error'], ['libgcrypt']], chains: [['libgcrypt', 'libgpg-error']] }]);
  const jobs = Object.fromEntries(summary.jobs.map((job: { action: { recipe: string }; status: string }) => [job.action.recipe, job.status]));
  expect(jobs).toEqual({ 'libgpg-error': 'published', libgcrypt: 'published' });
  expect(summary.published.map((outcome: { suite: string }) => outcome.suite)).toEqual([suite]);

  // The order as it happened: libgcrypt's build started only once libgpg-error's gate had passed.
  const state = StateStore.open(path.join(project, 'state'));
  try {
    const [provider] = state.builds({ recipe: 'libgpg-error', targetId });
    const [consumer] = state.builds({ recipe: 'libgcrypt', targetId });
    const gate = state.lastGate(provider!.id);
    expect(gate?.status).toBe('passed');
    expect(consumer!.startedAt >= gate!.at, `libgcrypt started ${consumer!.startedAt}, libgpg-error's gate passed ${gate!.at}`).toBe(true);
    for (const [recipe, version] of Object.entries(versions)) {
      expect(state.publications({ recipe, targetId, live: true }).map((publication) => publication.packageVersion)).toEqual([version]);
    }
  } finally {
    state.close();
  }
}

/** The address of `freshet serve` on this project, started on first use. */
async function served(): Promise<string> {
  if (!serveUrl) {
    serveUrl = `http://127.0.0.1:${await freePort()}/`;
    serve = execa(process.execPath, [cli, '--config', config, 'serve', '--listen', new URL(serveUrl).host], { cwd: project, reject: false });
  }
  return serveUrl;
}

/** libgcrypt's smoke commands and what their output must match, from its recipe. */
function libgcryptGate(): { smoke: string[][]; expect: RegExp } {
  const recipe = parse(readFileSync(path.join(repo, 'recipes/libgcrypt.yaml'), 'utf8')) as { gate: { smoke: string[][]; expect: string } };
  return { smoke: recipe.gate.smoke, expect: new RegExp(recipe.gate.expect.replaceAll('{version}', '1\\.12\\.4'), 'm') };
}

describe('the bundled chain libgpg-error → libgcrypt on debian-12, installed from freshet serve', () => {
  it('run builds libgpg-error, then libgcrypt against it, and publishes both on debian-12 in one publish', async () => {
    await runChain('debian-12', 'bookworm', { 'libgpg-error': '1.61-0~deb12+freshet1', libgcrypt: '1.12.4-0~deb12+freshet1' });
  }, 3_600_000);

  it('a clean debian-12 container set up from freshet serve installs libgcrypt with the fresh libgpg-error, and the smoke command works', async () => {
    const url = await served();
    // What `freshet serve --instructions` tells an operator to fetch: the key and the target's setup file.
    const sources = await setupFile(url, 'debian-12.sources');
    expect(sources).toContain(`URIs: ${url}\n`);
    const keyring = sources.match(/^Signed-By: (\S+)$/m)![1]!;
    const gate = libgcryptGate();
    const script = [
      'set -e',
      // apt-helper: the base image has no curl; it fetches over HTTP as the operator's curl would
      // (into /tmp, where apt's unprivileged download user may write).
      `/usr/lib/apt/apt-helper download-file ${url}${path.basename(keyring)} /tmp/freshet.gpg`,
      `/usr/lib/apt/apt-helper download-file ${url}setup/debian-12.sources /tmp/freshet.sources`,
      `install -D -m 0644 /tmp/freshet.gpg ${keyring}`,
      'install -m 0644 /tmp/freshet.sources /etc/apt/sources.list.d/freshet.sources',
      'apt-get update 2>&1',
      // libgcrypt's -dev package carries its tools (mpicalc) on Debian 12, as Debian splits it.
      'DEBIAN_FRONTEND=noninteractive apt-get install -y libgcrypt20-dev',
      "dpkg-query -W -f='installed ${Package} ${Version}\\n' libgpg-error0 libgcrypt20 libgcrypt20-dev",
      'echo smoke:',
      ...gate.smoke.map((command) => command.map(shellQuote).join(' ')),
    ].join('\n');
    const result = await getEngine('podman').run(
      {
        image: imageRef.base('debian-12'),
        command: ['sh', '-c', script],
        name: `freshet-chain-install-${process.pid}`,
        network: 'host',
        capabilities: 'default',
      },
      { allowFailure: true },
    );
    expect(result.exitCode, result.tail).toBe(0);
    expect(result.stdout).not.toMatch(/^(W|E|Err):/m);
    // Bookworm ships libgpg-error 1.46: the 1.61 that libgcrypt needs came from the archive.
    expect(result.stdout).toContain('installed libgpg-error0 1.61-0~deb12+freshet1\n');
    expect(result.stdout).toContain('installed libgcrypt20 1.12.4-0~deb12+freshet1\n');
    expect(result.stdout).toContain('installed libgcrypt20-dev 1.12.4-0~deb12+freshet1\n');
    expect(result.stdout).toMatch(new RegExp(`^Get:\\d+ ${url.slice(0, -1).replaceAll('.', '\\.')} bookworm/main \\S+ libgpg-error0 \\S+ 1\\.61-0~deb12\\+freshet1`, 'm'));
    expect(result.stdout.split('\nsmoke:\n')[1]).toMatch(gate.expect);
  });
});

describe('the bundled chain on debian-12-rpm, installed from freshet serve', () => {
  it('run builds libgpg-error, then libgcrypt against it, and publishes both on debian-12-rpm in one publish', async () => {
    await runChain('debian-12-rpm', 'debian-12-rpm', { 'libgpg-error': '1.61-0.deb12.freshet1', libgcrypt: '1.12.4-0.deb12.freshet1' });
  }, 3_600_000);

  it('dnf resolves libgcrypt-devel and the fresh libgpg-error in the served YUM repository; installed in the debian-12-rpm image, the smoke command works', async () => {
    const url = await served();
    // The .repo file `freshet serve --instructions` tells an operator to install, signature checks on.
    const repoFile = await setupFile(url, 'debian-12-rpm.repo');
    expect(repoFile).toMatch(/^gpgcheck=1$/m);
    expect(repoFile).toMatch(/^repo_gpgcheck=1$/m);
    const baseurl = repoFile.match(/^baseurl=(\S+)$/m)![1]!;
    const gpgkey = repoFile.match(/^gpgkey=(\S+)$/m)![1]!;
    expect(baseurl).toBe(`${url}rpm/debian-12-rpm/`);

    // As the RPM gate does on rpm-on-Debian: dnf on the host (an isolated root) resolves what the
    // consumer requires from the repository; what it needs from the distribution (libc) is Debian's.
    const work = mkdtempSync(path.join(os.tmpdir(), 'freshet-chain-dnf-'));
    const client = dnfClient(path.join(work, 'dnf'), { id: 'freshet', baseurl, gpgkey, releasever: '12' });
    const query = async (args: string[]) => {
      const result = await client.dnf(['repoquery', '--repo', 'freshet', '--latest-limit', '1', '--arch', 'x86_64,noarch', '--qf', '%{name}\t%{evr}\t%{location}', ...args]);
      return result.stdout.split('\n').filter((line) => line.includes('\t')).map((line) => line.trim().split('\t') as [string, string, string]);
    };
    const chosen = new Map<string, { evr: string; location: string }>();
    let pending = await query(['libgcrypt-devel']);
    while (pending.length > 0) {
      const fresh = pending.filter(([name]) => !chosen.has(name));
      for (const [name, evr, location] of fresh) chosen.set(name, { evr, location });
      pending = fresh.length === 0 ? [] : await query(['--requires', '--resolve', ...fresh.map(([name]) => name)]);
    }
    expect(Object.fromEntries([...chosen].map(([name, { evr }]) => [name, evr]))).toEqual({
      'libgcrypt-devel': '1.12.4-0.deb12.freshet1',
      libgcrypt: '1.12.4-0.deb12.freshet1',
      'libgpg-error-devel': '1.61-0.deb12.freshet1',
      'libgpg-error': '1.61-0.deb12.freshet1',
    });
    const downloads = path.join(work, 'client');
    mkdirSync(path.join(downloads, 'rpms'), { recursive: true });
    writeFileSync(path.join(downloads, 'key.asc'), Buffer.from(await (await get(gpgkey)).arrayBuffer()));
    for (const { location } of chosen.values()) {
      writeFileSync(path.join(downloads, 'rpms', path.basename(location)), Buffer.from(await (await get(new URL(location, baseurl).href)).arrayBuffer()));
    }

    const gate = libgcryptGate();
    const script = [
      'set -e',
      'rpmkeys --import /client/key.asc',
      // --nodeps: their libc is Debian's, which rpm's database cannot see; signatures still required.
      "rpm -i --nodeps --define '_pkgverify_level signature' /client/rpms/*.rpm",
      "rpm -q --qf 'installed %{NAME} %{VERSION}-%{RELEASE}\\n' libgpg-error libgcrypt libgcrypt-devel",
      // The RPMs' /usr/lib64 before Debian's folders, whose libgcrypt and libgpg-error are older.
      'echo /usr/lib64 > /etc/ld.so.conf.d/00-freshet-lib64.conf && ldconfig',
      'echo smoke:',
      ...gate.smoke.map((command) => command.map(shellQuote).join(' ')),
    ].join('\n');
    const result = await getEngine('podman').run(
      {
        image: imageRef.builder('debian-12-rpm'),
        command: ['sh', '-c', script],
        name: `freshet-chain-install-rpm-${process.pid}`,
        network: 'none',
        user: 'root',
        mounts: [{ source: downloads, target: '/client', readonly: true }],
        capabilities: 'default',
      },
      { allowFailure: true },
    );
    expect(result.exitCode, result.tail).toBe(0);
    expect(result.stdout).toContain('installed libgpg-error 1.61-0.deb12.freshet1\n');
    expect(result.stdout).toContain('installed libgcrypt-devel 1.12.4-0.deb12.freshet1\n');
    expect(result.stdout.split('\nsmoke:\n')[1]).toMatch(gate.expect);
  });
});
