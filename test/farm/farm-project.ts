import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { run, type RunResult } from '../../src/core/exec.js';
import { generateToken, tokenSha256 } from '../../src/farm/coordinator/tokens.js';
import { fillMirror } from '../../src/mirror/fill.js';
import { loadMirrorManifest, manifestFiles } from '../../src/mirror/manifest.js';
import { createStaticHandler, listen, type RunningServer } from '../../src/serve/static.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { freePort, runCli, startRedis, type CliProcess, type Netns, type RedisServer } from './harness.js';

/**
 * A build farm on this machine for the integration tests: a project with bundled recipes served
 * from a local upstream mirror, a real redis-server, a coordinator config with `queue:` and a
 * `farm:` block listing the workers' token hashes, and `freshet worker` processes with work folders
 * of their own. A worker may run in a network namespace (test/farm/harness.ts): it then reaches
 * Redis and the coordinator on the namespace's host-side address, which both listen on.
 */
const repo = path.resolve(import.meta.dirname, '../..');
const cliBin = path.join(repo, 'src/cli/bin.js');
const ALL_TARGETS = { 'debian-12': 'bookworm', 'debian-13': 'trixie', 'debian-12-rpm': 'debian-12-rpm' } as const;

export interface FarmProject {
  dir: string;
  configFile: string;
  redis: RedisServer;
  /** The coordinator's transfer endpoint, as a worker on the host reaches it. */
  farmUrl: string;
  farmPort: number;
  /** `freshet --config … ARGS` to the end. */
  freshet(args: string[], options?: { env?: Record<string, string>; logFile?: string }): Promise<RunResult>;
  /** A worker process for these targets; `token` overrides the one the config knows it by. */
  startWorker(name: string, options?: { targets?: string[]; netns?: Netns; token?: string; lockSeconds?: number }): CliProcess;
  close(): Promise<void>;
}

export interface FarmProjectOptions {
  recipes: string[];
  targets: Array<keyof typeof ALL_TARGETS>;
  workers: string[];
  /** Extra addresses Redis and the transfer server listen on (a namespace's hostAddress). */
  bind?: string[];
  /** More upstream hosts the recipes fetch from: a test's own loopback upstream for its fixture recipes. */
  allowHosts?: string[];
}

export async function farmProject(options: FarmProjectOptions): Promise<FarmProject> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-farm-'));
  const mirrorDir = path.join(dir, 'mirror');
  mkdirSync(mirrorDir);
  // With no bundled recipe the test writes its own; an empty list would mean the whole manifest.
  if (options.recipes.length > 0) await fillMirror(mirrorDir, manifestFiles(loadMirrorManifest(), options.recipes));
  const mirror: RunningServer = await listen(createStaticHandler({ root: mirrorDir, listings: true }), '127.0.0.1', 0);
  mkdirSync(path.join(dir, 'recipes'));
  for (const recipe of options.recipes) {
    cpSync(path.join(repo, 'recipes', `${recipe}.yaml`), path.join(dir, 'recipes', `${recipe}.yaml`));
    try {
      cpSync(path.join(repo, 'recipes', recipe), path.join(dir, 'recipes', recipe), { recursive: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const redis = await startRedis({ dir: path.join(dir, 'redis'), bind: ['127.0.0.1', ...(options.bind ?? [])] });
  const farmPort = await freePort();
  const tokens = new Map(options.workers.map((name) => [name, generateToken()]));
  const mirrorHost = new URL(mirror.url).host;
  let text = readFileSync(path.join(repo, 'freshet.config.yaml'), 'utf8')
    .replace('state: var/state', `state: ${path.join(dir, 'state')}`)
    .replace('archive: var/archive', `archive: ${path.join(dir, 'archive')}`)
    .replaceAll('http://127.0.0.1:8781/', mirror.url)
    .replaceAll('127.0.0.1:8781', mirrorHost)
    .replace('allowHosts:\n', `allowHosts:\n${(options.allowHosts ?? []).map((host) => `  - ${host}\n`).join('')}`);
  for (const [id, codename] of Object.entries(ALL_TARGETS)) {
    if (!options.targets.includes(id as keyof typeof ALL_TARGETS)) text = text.replace(`codename: ${codename}\n`, `codename: ${codename}\n    enabled: false\n`);
  }
  // The transfer server listens on every address when a namespace's worker needs it.
  const listenHost = options.bind?.length ? '0.0.0.0' : '127.0.0.1';
  text += `queue: ${redis.url}
farm:
  listen: ${listenHost}:${farmPort}
  workers:
${[...tokens].map(([name, token]) => `    - name: ${name}\n      tokenSha256: ${tokenSha256(token)}\n`).join('')}`;
  const configFile = path.join(dir, 'freshet.config.yaml');
  writeFileSync(configFile, text);
  const freshet = (args: string[], runOptions: { env?: Record<string, string>; logFile?: string } = {}) =>
    run(process.execPath, [cliBin, '--config', configFile, ...args], { allowFailure: true, cwd: dir, timeoutMs: 60 * 60_000, ...runOptions });
  const created = await freshet(['key', 'create']);
  expect(created.exitCode, created.stderr).toBe(0);
  const farmUrl = `http://127.0.0.1:${farmPort}`;

  return {
    dir,
    configFile,
    redis,
    farmUrl,
    farmPort,
    freshet,
    startWorker(name, workerOptions = {}) {
      const tokenFile = path.join(dir, `${name}.token`);
      writeFileSync(tokenFile, `${workerOptions.token ?? tokens.get(name)}\n`, { mode: 0o600 });
      const host = workerOptions.netns?.hostAddress;
      return runCli(
        [
          'worker',
          '--queue', host ? redis.urlFor(host) : redis.url,
          '--coordinator', host ? `http://${host}:${farmPort}` : farmUrl,
          '--token-file', tokenFile,
          '--targets', (workerOptions.targets ?? options.targets).join(','),
          '--work-dir', path.join(dir, `worker-${name}`),
          '--name', name,
          '--lock-seconds', String(workerOptions.lockSeconds ?? 30),
        ],
        { cwd: dir, netns: workerOptions.netns },
      );
    },
    async close() {
      await mirror.close();
      await redis.stop().catch(() => undefined);
      await stopAgent(gnupgHome(path.join(dir, 'state')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
