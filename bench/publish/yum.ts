/**
 * YUM publish bench: freshet against the work COPR does for the same repository, signing every
 * package with `rpmsign --addsign` (one gpg per package) and indexing with createrepo_c, on the
 * same N small RPMs (rpms.ts) and the same throwaway Ed25519 key. Steps: full publish of N into an
 * empty repository, add one RPM and republish, republish with nothing new. Every step is a process
 * of its own under /usr/bin/time -v (wall time, peak RSS, process start included): for freshet
 * yum-step.ts, calling publishYum and resignYum as `freshet run` does (the CLI's publish checks
 * builds against recipes, and re-signs APT suites only). Runs repeat with fresh repositories; medians are printed. Usage in
 * bench/README.md.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { run } from '../../src/core/exec.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { createKey } from '../../src/sign/key.js';
import type { BuildArtifact } from '../../src/types.js';
import { ensureRpms } from './rpms.js';

const repo = path.resolve(import.meta.dirname, '../../../..');
const base = path.join(repo, 'var/bench/publish');
const suite = 'debian-12-rpm';
/** Files per rpmsign call for the peer (the argument limit); they run one after another. */
const RPMSIGN_BATCH = 1000;

interface Timing {
  seconds: number;
  maxRssMb: number;
}

async function timed(file: string, args: string[], env: Record<string, string> = {}): Promise<Timing> {
  const started = process.hrtime.bigint();
  const result = await run('/usr/bin/time', ['-v', file, ...args], { env: { LC_ALL: 'C.UTF-8', ...env }, timeoutMs: 4 * 3_600_000, allowFailure: true });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.exitCode !== 0) throw new Error(`${result.command} failed:\n${result.tail}`);
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? 0);
  return { seconds, maxRssMb: rss / 1024 };
}

async function sum(...steps: (() => Promise<Timing>)[]): Promise<Timing> {
  const total = { seconds: 0, maxRssMb: 0 };
  for (const step of steps) {
    const timing = await step();
    total.seconds += timing.seconds;
    total.maxRssMb = Math.max(total.maxRssMb, timing.maxRssMb);
  }
  return total;
}

function artifactOf(file: string): BuildArtifact {
  const data = readFileSync(file);
  return { file, kind: 'rpm', size: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

function artifactsFile(file: string, artifacts: BuildArtifact[]): string {
  writeFileSync(file, JSON.stringify(artifacts));
  return file;
}

type Step = 'full' | 'addOne' | 'republish';
type Row = Record<Step, Timing>;

async function benchRun(count: number, rpms: string[], extra: string, round: number): Promise<{ freshet: Row; copr: Row }> {
  const loadBefore = loadavg()[0]!;
  const work = path.join(base, `yum-run-${count}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const config = path.join(work, 'freshet.config.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      archive: 'archive',
      state: 'state',
      targets: [{ id: suite, family: 'rpm', distro: 'debian', release: '12', codename: suite, image: { bootstrap: { mirror: 'http://deb.debian.org/debian', suite: 'bookworm' } } }],
    }),
  );
  const stateDir = path.join(work, 'state');
  const key = await createKey(stateDir, { name: 'freshet bench', email: 'bench@localhost', algorithm: 'ed25519', expire: '1y' });
  try {
    const freshet = (...args: string[]) => timed('node', [path.join(import.meta.dirname, 'yum-step.js'), suite, ...args, config]);
    const all = artifactsFile(path.join(work, 'all.json'), rpms.map(artifactOf));
    const one = artifactsFile(path.join(work, 'one.json'), [artifactOf(extra)]);
    const freshetRow: Row = { full: await freshet('--publish', all), addOne: await freshet('--publish', one), republish: await freshet('--resign') };

    // COPR's work: sign every package with rpmsign (gpg per package), then createrepo_c.
    const copr = path.join(work, 'copr');
    const packages = path.join(copr, 'packages');
    mkdirSync(packages, { recursive: true });
    const copies = rpms.map((file) => path.join(packages, path.basename(file)));
    rpms.forEach((file, index) => copyFileSync(file, copies[index]!));
    const rpmsign = (files: string[]) => () =>
      timed('rpmsign', [
        '--define', `_gpg_name ${key.fingerprint}`,
        '--define', `_gpg_path ${gnupgHome(stateDir)}`,
        '--define', '__gpg /usr/bin/gpg',
        '--define', '_gpg_digest_algo sha256',
        '--define', '_gpg_sign_cmd_extra_args --batch --pinentry-mode loopback',
        '--addsign',
        ...files,
      ]);
    const cache = path.join(work, 'copr-cache');
    const createrepo = (...args: string[]) => () => timed('createrepo_c', ['--quiet', '--no-database', '--cachedir', cache, '--workers', '2', ...args, copr]);
    const batches: string[][] = [];
    for (let start = 0; start < copies.length; start += RPMSIGN_BATCH) batches.push(copies.slice(start, start + RPMSIGN_BATCH));
    const full = await sum(...batches.map(rpmsign), createrepo());
    const newCopy = path.join(packages, path.basename(extra));
    copyFileSync(extra, newCopy);
    const coprRow: Row = { full, addOne: await sum(rpmsign([newCopy]), createrepo('--update')), republish: await sum(createrepo('--update')) };
    console.log(`N = ${count}, run ${round}: freshet ${describe(freshetRow)}; createrepo_c + rpmsign ${describe(coprRow)}; 1-minute load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`);
    return { freshet: freshetRow, copr: coprRow };
  } finally {
    await stopAgent(gnupgHome(stateDir));
  }
}

const steps: [Step, string][] = [['addOne', 'add one'], ['full', 'full publish'], ['republish', 'republish']];

function describe(row: Row): string {
  return steps.map(([step, label]) => `${label} ${row[step].seconds.toFixed(2)} s`).join(', ');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function benchSize(count: number, runs: number): Promise<string[]> {
  const buildStarted = Date.now();
  const rpms = await ensureRpms(path.join(base, `rpms-${count}`), 'bench', count);
  const [extra] = await ensureRpms(path.join(base, 'rpms-extra'), 'benchnew', 1);
  console.log(`${count} RPMs ready in ${((Date.now() - buildStarted) / 1000).toFixed(1)} s`);
  const results: { freshet: Row; copr: Row }[] = [];
  for (let round = 1; round <= runs; round++) results.push(await benchRun(count, rpms, extra!, round));
  return steps.map(([step, label]) => {
    const of = (tool: 'freshet' | 'copr', pick: (t: Timing) => number) => median(results.map((result) => pick(result[tool][step])));
    const freshet = of('freshet', (t) => t.seconds);
    const copr = of('copr', (t) => t.seconds);
    return `| ${count.toLocaleString('en')} | ${label} | ${freshet.toFixed(2)} | ${copr.toFixed(2)} | ${(copr / freshet).toFixed(2)}× | ${of('freshet', (t) => t.maxRssMb).toFixed(0)} MB | ${of('copr', (t) => t.maxRssMb).toFixed(0)} MB |`;
  });
}

const runs = Number(process.argv.find((arg) => arg.startsWith('--runs='))?.slice('--runs='.length) ?? 1);
const sizes = process.argv.slice(2).filter((arg) => !arg.startsWith('--')).map(Number).filter((n) => Number.isInteger(n) && n > 0);
const lines = [];
for (const count of sizes.length > 0 ? sizes : [100, 500, 2000, 10000, 100000]) lines.push(...(await benchSize(count, runs)));
console.log(`\nmedians of ${runs} run(s), seconds (ratio = peer / freshet, above 1 means freshet is faster)\n`);
console.log('| N | step | freshet | createrepo_c + rpmsign | ratio | freshet peak RSS | peer peak RSS |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const line of lines) console.log(line);
