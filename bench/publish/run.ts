/**
 * Publish bench: freshet vs reprepro vs aptly on the same synthetic archives of N small .debs,
 * all signed with the same throwaway key. Times a full publish of N, a republish of N, and adding
 * one package to the N, each run from empty archives, `--runs R` times (default 3) per N; prints
 * every run and the medians, ratios peer / freshet, peak RSS from /usr/bin/time -v. Usage in
 * bench/README.md.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { run } from '../../src/core/exec.js';
import { setLogLevel } from '../../src/core/log.js';
import { mainArchive } from '../../src/publish/api.js';
import { publishApt } from '../../src/publish/apt/publish.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { createKey } from '../../src/sign/key.js';
import type { BuildArtifact } from '../../src/types.js';
import { debBytes, ensureDebs } from './debs.js';

const repo = path.resolve(import.meta.dirname, '../../../..');
const freshetBin = path.join(repo, (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { bin: { freshet: string } }).bin.freshet);
const base = path.join(repo, 'var/bench/publish');

interface Timing {
  seconds: number;
  maxRssMb: number;
}

/** Run a command under /usr/bin/time -v; wall time measured here, peak RSS from time. */
async function timed(file: string, args: string[], env: Record<string, string> = {}): Promise<Timing> {
  const started = process.hrtime.bigint();
  const result = await run('/usr/bin/time', ['-v', file, ...args], { env, timeoutMs: 3_600_000, allowFailure: true });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.exitCode !== 0) throw new Error(`${result.command} failed:\n${result.tail}`);
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? 0);
  return { seconds, maxRssMb: rss / 1024 };
}

function sum(...timings: Timing[]): Timing {
  return { seconds: timings.reduce((total, t) => total + t.seconds, 0), maxRssMb: Math.max(...timings.map((t) => t.maxRssMb)) };
}

/**
 * freshet publish checks every result against its recipe in the project: `bench` declares the N
 * packages (arch all, so role data), `bench-new` the ones added one at a time.
 */
function writeRecipe(dir: string, name: string, packages: string[]): void {
  const lines = [
    `name: ${name}`,
    'summary: synthetic packages of the publish bench',
    'description: Synthetic packages of the publish bench.',
    'homepage: https://example.org/',
    'license: MIT',
    'copyright: ["2025 freshet bench"]',
    'upstream:',
    '  kind: html-index',
    '  url: https://example.org/bench/',
    `  pattern: ${name}-(\\d[\\d.]*)\\.tar\\.gz`,
    '  sha256:',
    `    "1.0": "${'0'.repeat(64)}"`,
    'build:',
    '  system: autotools',
    'packages:',
    ...packages.map((pkg) => `  - { name: ${pkg}, role: data }`),
    '',
  ];
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.yaml`), lines.join('\n'));
}

function artifactOf(file: string): BuildArtifact {
  const data = readFileSync(file);
  return { file, kind: 'deb', size: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

function resultFile(file: string, recipe: string, artifacts: BuildArtifact[]): string {
  const now = new Date().toISOString();
  writeFileSync(file, JSON.stringify({ jobId: 'bench', recipe, targetId: 'debian-12', packageVersion: '1.0-1', status: 'ok', artifacts, logFile: '', startedAt: now, finishedAt: now }));
  return file;
}

interface Row {
  tool: string;
  full: Timing;
  republish: Timing;
  addOne: Timing;
}

interface Run {
  rows: Row[];
  libraryAddOne: number;
  /** 1-minute load average before and after the run: the machine is shared. */
  load: [number, number];
}

/** reprepro takes the files as arguments: at 100,000 they exceed the kernel's argument limit, so they go 5,000 at a time. */
const REPREPRO_BATCH = 5_000;

async function benchSize(count: number): Promise<Run> {
  const loadBefore = loadavg()[0]!;
  const work = path.join(base, `run-${count}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const debsDir = path.join(base, `debs-src-${count}`);
  const debs = ensureDebs(debsDir, count);
  const newDeb = path.join(work, 'bench-new_1.0-1_all.deb');
  writeFileSync(newDeb, debBytes('bench-new', '1.0-1', 'bench-new'));
  writeRecipe(path.join(work, 'recipes'), 'bench', debs.map((file) => path.basename(file).split('_')[0]!));
  writeRecipe(path.join(work, 'recipes'), 'bench-new', ['bench-new', 'bench-new2']);

  const stateDir = path.join(work, 'state');
  const key = await createKey(stateDir, { name: 'freshet bench', email: 'bench@localhost', algorithm: 'ed25519', expire: '1y' });
  const gpgEnv = { GNUPGHOME: gnupgHome(stateDir) };
  const rows: Row[] = [];
  let libraryAddOne = 0;
  try {
    // freshet, through its CLI as an operator or timer would run it.
    const config = path.join(work, 'freshet.config.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        archive: 'freshet-archive',
        state: 'state',
        targets: [{ id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } }],
      }),
    );
    const freshet = (...args: string[]) => timed('node', [freshetBin, '--config', config, ...args]);
    const all = resultFile(path.join(work, 'all.json'), 'bench', debs.map(artifactOf));
    const one = resultFile(path.join(work, 'one.json'), 'bench-new', [artifactOf(newDeb)]);
    rows.push({ tool: 'freshet', full: await freshet('publish', all), republish: await freshet('publish', '--resign'), addOne: await freshet('publish', one) });
    // The same add as a library call (what `freshet run` does), without the CLI's start-up.
    const second = path.join(work, 'bench-new2_1.0-1_all.deb');
    writeFileSync(second, debBytes('bench-new2', '1.0-1', 'bench-new'));
    const loaded = loadConfig(config);
    setLogLevel('warn');
    const started = process.hrtime.bigint();
    await publishApt({ config: loaded, archive: mainArchive(loaded), suite: 'bookworm', add: [{ artifacts: [artifactOf(second)] }] });
    libraryAddOne = Number(process.hrtime.bigint() - started) / 1e9;

    // reprepro, with the same index forms (plain, .gz, .xz) and the same key.
    const reprepro = path.join(work, 'reprepro');
    mkdirSync(path.join(reprepro, 'conf'), { recursive: true });
    writeFileSync(
      path.join(reprepro, 'conf/distributions'),
      `Origin: bench\nLabel: bench\nCodename: bookworm\nArchitectures: amd64\nComponents: main\nSignWith: ${key.fingerprint}\nDebIndices: Packages Release . .gz .xz\n`,
    );
    const rr = (...args: string[]) => timed('reprepro', ['-b', reprepro, '--silent', ...args], gpgEnv);
    const batches = Array.from({ length: Math.ceil(debs.length / REPREPRO_BATCH) }, (_, index) => debs.slice(index * REPREPRO_BATCH, (index + 1) * REPREPRO_BATCH));
    const includeAll: Timing[] = [];
    for (const batch of batches) includeAll.push(await rr('includedeb', 'bookworm', ...batch));
    rows.push({ tool: 'reprepro', full: sum(...includeAll), republish: await rr('export', 'bookworm'), addOne: await rr('includedeb', 'bookworm', newDeb) });

    // aptly: local repo, published signed.
    const aptlyConf = path.join(work, 'aptly.conf');
    writeFileSync(aptlyConf, JSON.stringify({ rootDir: path.join(work, 'aptly'), gpgProvider: 'gpg2' }));
    const aptly = (...args: string[]) => timed('aptly', [`-config=${aptlyConf}`, ...args], gpgEnv);
    await aptly('repo', 'create', '-distribution=bookworm', '-component=main', 'bench');
    const publishArgs = ['-batch', `-gpg-key=${key.fingerprint}`];
    rows.push({
      tool: 'aptly',
      full: sum(await aptly('repo', 'add', 'bench', debsDir), await aptly('publish', 'repo', ...publishArgs, '-architectures=amd64,all', 'bench')),
      republish: await aptly('publish', 'update', ...publishArgs, 'bookworm'),
      addOne: sum(await aptly('repo', 'add', 'bench', newDeb), await aptly('publish', 'update', ...publishArgs, 'bookworm')),
    });
  } finally {
    await stopAgent(gnupgHome(stateDir));
  }
  return { rows, libraryAddOne, load: [loadBefore, loadavg()[0]!] };
}

const STEPS = [['addOne', 'add one'], ['full', 'full publish'], ['republish', 'republish']] as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function reportRun(count: number, index: number, run: Run): string {
  const fmt = (t: Timing) => `${t.seconds.toFixed(2).padStart(8)} s ${t.maxRssMb.toFixed(0).padStart(5)} MB`;
  const lines = [`N = ${count}, run ${index + 1}`, `${'tool'.padEnd(10)}${'add one'.padEnd(22)}${'full publish'.padEnd(22)}republish`];
  for (const row of run.rows) lines.push(`${row.tool.padEnd(10)}${fmt(row.addOne)}   ${fmt(row.full)}   ${fmt(row.republish)}`);
  lines.push(`freshet add one as a library call (no CLI start-up): ${run.libraryAddOne.toFixed(3)} s`);
  lines.push(`1-minute load average: ${run.load[0].toFixed(2)} before, ${run.load[1].toFixed(2)} after`);
  return lines.join('\n');
}

/** Medians per tool and step; ratios are peer / freshet of the medians and the median of the per-run ratios. */
function reportMedians(count: number, runs: Run[]): string {
  const lines = [`N = ${count}: medians of ${runs.length} runs (peak RSS: the highest of the runs)`, '| N | step | freshet | reprepro | aptly | reprepro/freshet | aptly/freshet | peak RSS freshet / reprepro / aptly |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  const of = (run: Run, tool: string) => run.rows.find((row) => row.tool === tool)!;
  for (const [step, label] of STEPS) {
    const seconds = (tool: string) => median(runs.map((run) => of(run, tool)[step].seconds));
    const rss = (tool: string) => Math.max(...runs.map((run) => of(run, tool)[step].maxRssMb)).toFixed(0);
    const ratio = (tool: string) => median(runs.map((run) => of(run, tool)[step].seconds / of(run, 'freshet')[step].seconds));
    lines.push(
      `| ${count.toLocaleString('en')} | ${label} | ${seconds('freshet').toFixed(2)} | ${seconds('reprepro').toFixed(2)} | ${seconds('aptly').toFixed(2)} | ` +
        `${ratio('reprepro').toFixed(2)}× | ${ratio('aptly').toFixed(2)}× | ${rss('freshet')} / ${rss('reprepro')} / ${rss('aptly')} MB |`,
    );
  }
  lines.push(`freshet add one as a library call, median: ${median(runs.map((run) => run.libraryAddOne)).toFixed(3)} s`);
  const loads = runs.flatMap((run) => run.load);
  lines.push(`1-minute load average during these runs: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}`);
  return lines.join('\n');
}

const args = process.argv.slice(2);
const runsFlag = args.indexOf('--runs');
const runCount = runsFlag >= 0 ? Number(args[runsFlag + 1]) : 3;
const sizes = args.filter((_arg, index) => index !== runsFlag && index !== runsFlag + 1).map(Number).filter((n) => n > 0);
for (const count of sizes.length ? sizes : [100, 500, 2000, 10000, 100000]) {
  const runs: Run[] = [];
  for (let index = 0; index < runCount; index += 1) {
    runs.push(await benchSize(count));
    process.stdout.write(`${reportRun(count, index, runs.at(-1)!)}\n\n`);
  }
  process.stdout.write(`${reportMedians(count, runs)}\n\n`);
}
