import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import PQueue from 'p-queue';
import { loadConfig } from '../../src/config/load.js';
import { run } from '../../src/core/exec.js';
import { setLogLevel } from '../../src/core/log.js';
import { loadRecipes } from '../../src/recipe/load.js';
import { StateStore } from '../../src/state/store.js';
import { watchAll } from '../../src/watch/watch.js';

/**
 * freshet watch against Debian's uscan over the same N html-index upstreams on a loopback server.
 * uscan runs once per package (as it does per source tree) with 2 workers; freshet runs its real
 * CLI (`freshet watch --json`) twice: the second run finds nothing changed (304s).
 * Usage (see bench/README.md): node dist/.bench/bench/watch/run.js [--freshet-only] [N...]
 */
const here = path.dirname(new URL(import.meta.url).pathname);
const repo = path.resolve(here, '../../../..');
const args = process.argv.slice(2);
const skipUscan = args.includes('--freshet-only');
const counts = args.map(Number).filter(Boolean);
const PORT = Number(process.env.BENCH_PORT ?? 18791);

const pad = (index: number) => `pkg${String(index).padStart(4, '0')}`;

async function waitForPort(port: number): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(true)).on('error', () => resolve(false));
      setTimeout(() => socket.destroy(), 200);
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`bench server did not start on ${port}`);
}

function makeTree(dir: string, count: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'recipes'), { recursive: true });
  writeFileSync(
    path.join(dir, 'freshet.config.yaml'),
    [
      'recipes: recipes',
      'state: var/state',
      'concurrency: { perHost: 8 }',
      `allowHosts: ["127.0.0.1:${PORT}"]`,
      'targets:',
      '  - { id: debian-12, family: deb, distro: debian, release: "12", codename: bookworm, enabled: false,',
      '      image: { bootstrap: { mirror: "http://deb.debian.org/debian" } } }',
      '',
    ].join('\n'),
  );
  for (let index = 0; index < count; index++) {
    const name = pad(index);
    writeFileSync(
      path.join(dir, 'recipes', `${name}.yaml`),
      [
        `name: ${name}`,
        'summary: bench package',
        'description: a generated recipe for the watch benchmark',
        'homepage: https://example.org/',
        'license: MIT',
        'copyright: ["2025 Bench"]',
        'upstream:',
        '  kind: html-index',
        `  url: http://127.0.0.1:${PORT}/${name}/`,
        `  pattern: ${name}-(\\d[\\d.]*)\\.tar\\.gz`,
        'build: { system: make }',
        `packages: [{ name: ${name} }]`,
        '',
      ].join('\n'),
    );
    mkdirSync(path.join(dir, 'uscan', name, 'debian'), { recursive: true });
    writeFileSync(
      path.join(dir, 'uscan', name, 'debian', 'watch'),
      `version=4\nhttp://127.0.0.1:${PORT}/${name}/ ${name}-(\\d[\\d.]*)\\.tar\\.gz\n`,
    );
  }
}

async function timeUscan(dir: string, count: number): Promise<{ seconds: number; found: number }> {
  const queue = new PQueue({ concurrency: 2 });
  let found = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: count }, (_, index) =>
      queue.add(async () => {
        const name = pad(index);
        const cwd = path.join(dir, 'uscan', name);
        const args = ['--watchfile', 'debian/watch', '--package', name, '--upstream-version', '0', '--report-status', '--no-download'];
        const { stdout } = await run('uscan', args, { cwd, allowFailure: true });
        if (stdout.includes(`Newest version of ${name} on remote site is 1.19,`)) found++;
      }),
    ),
  );
  return { seconds: (performance.now() - started) / 1000, found };
}

async function timeFreshet(dir: string): Promise<{ seconds: number; cpuSeconds: number; maxRssMb: number; found: number }> {
  const started = performance.now();
  const result = await run('/usr/bin/time', ['-v', process.execPath, path.join(repo, 'src/cli/bin.js'), 'watch', '--json'], {
    cwd: dir,
    allowFailure: true,
  });
  const seconds = (performance.now() - started) / 1000;
  const maxRssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? NaN);
  // CPU time of the freshet process: on a shared machine it moves less with other jobs than wall time.
  const cpuSeconds = ['User', 'System'].reduce((total, kind) => total + Number(new RegExp(`${kind} time \\(seconds\\): ([\\d.]+)`).exec(result.stderr)?.[1] ?? NaN), 0);
  const report = JSON.parse(result.stdout) as { recipes: Array<{ newest?: string }> };
  return { seconds, cpuSeconds, maxRssMb: maxRssKb / 1024, found: report.recipes.filter((entry) => entry.newest === '1.19').length };
}

/** The unchanged re-check as a library call: no process start, recipes loaded, then watchAll. */
async function timeLibrary(dir: string): Promise<{ loadSeconds: number; watchSeconds: number; found: number }> {
  setLogLevel('error');
  const started = performance.now();
  const config = loadConfig(path.join(dir, 'freshet.config.yaml'));
  const recipes = loadRecipes(config.recipesDir);
  const state = StateStore.open(config.stateDir);
  const loaded = performance.now();
  const outcomes = await watchAll(recipes, config, state);
  const done = performance.now();
  state.close();
  const found = outcomes.filter((outcome) => outcome.current?.upstreamVersion === '1.19').length;
  return { loadSeconds: (loaded - started) / 1000, watchSeconds: (done - loaded) / 1000, found };
}

async function bench(count: number): Promise<void> {
  const dir = path.join(tmpdir(), `freshet-bench-watch-${count}`);
  makeTree(dir, count);
  const controller = new AbortController();
  const server = run(process.execPath, [path.join(here, 'server.js'), String(PORT), String(count)], {
    signal: controller.signal,
    allowFailure: true,
  });
  try {
    await waitForPort(PORT);
    const uscan = skipUscan ? undefined : await timeUscan(dir, count);
    const first = await timeFreshet(dir);
    const second = await timeFreshet(dir);
    const library = await timeLibrary(dir);
    const lines = [
      `N=${count}`,
      uscan ? `  uscan (2 workers):        ${uscan.seconds.toFixed(2)} s, newest found for ${uscan.found}/${count}` : '  uscan: skipped',
      `  freshet watch (cold):     ${first.seconds.toFixed(2)} s (${first.cpuSeconds.toFixed(2)} s CPU), newest found for ${first.found}/${count}, peak RSS ${first.maxRssMb.toFixed(0)} MB`,
      `  freshet watch (unchanged): ${second.seconds.toFixed(2)} s (${second.cpuSeconds.toFixed(2)} s CPU, 304s), peak RSS ${second.maxRssMb.toFixed(0)} MB`,
      `  library, unchanged:       ${library.watchSeconds.toFixed(2)} s watchAll + ${library.loadSeconds.toFixed(2)} s loading recipes, newest for ${library.found}/${count}`,
      uscan ? `  ratio uscan / freshet:    ${(uscan.seconds / first.seconds).toFixed(1)}x` : '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    controller.abort();
    await server;
  }
}

for (const count of counts.length ? counts : [200, 1000]) await bench(count);
