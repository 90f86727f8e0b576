import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { fillMirror } from '../../src/mirror/fill.js';
import { loadMirrorManifest, manifestFiles } from '../../src/mirror/manifest.js';
import { createStaticHandler, listen, type RunningServer } from '../../src/serve/static.js';
import { StateStore } from '../../src/state/store.js';
import { freePort } from '../farm/harness.js';
import { buildCli } from '../reliability/tick-project.js';
import { expectAptInstallsLibgcrypt } from './install-client.js';

/**
 * The bundled chain as an operator meets it (issue 15): on a fresh state, `freshet run` builds
 * libgpg-error 1.61 (Debian 12 ships 1.46) before libgcrypt 1.12.4 (whose configure refuses
 * libgpg-error < 1.56) on debian-12 and publishes both; a clean debian-12 container set up from
 * `freshet serve` as its instructions say installs libgcrypt, which pulls the fresh libgpg-error
 * from the archive, and libgcrypt's smoke command runs. The same chain on debian-12-rpm, with dnf,
 * is test/farm/acceptance.integration.test.ts (through the farm): libgcrypt builds for minutes on
 * each target, and CI runs the integration files one after another.
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

describe('the bundled chain libgpg-error → libgcrypt on debian-12, installed from freshet serve', () => {
  it('run builds libgpg-error, then libgcrypt against it, and publishes both on debian-12 in one publish', async () => {
    await runChain('debian-12', 'bookworm', { 'libgpg-error': '1.61-0~deb12+freshet1', libgcrypt: '1.12.4-0~deb12+freshet1' });
  }, 3_600_000);

  it('a clean debian-12 container set up from freshet serve installs libgcrypt with the fresh libgpg-error, and the smoke command works', async () => {
    await expectAptInstallsLibgcrypt(await served(), `freshet-chain-install-${process.pid}`);
  });
});
