/**
 * Publish bench: freshet vs reprepro vs aptly on the same synthetic archives of N small .debs,
 * all signed with the same throwaway key. Times a full publish of N, a republish of N, and adding
 * one package to the N; peak RSS from /usr/bin/time -v. Usage in bench/README.md.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

function artifactOf(file: string): BuildArtifact {
  const data = readFileSync(file);
  return { file, kind: 'deb', size: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

function resultFile(file: string, artifacts: BuildArtifact[]): string {
  const now = new Date().toISOString();
  writeFileSync(file, JSON.stringify({ jobId: 'bench', recipe: 'bench', targetId: 'debian-12', packageVersion: '1', status: 'ok', artifacts, logFile: '', startedAt: now, finishedAt: now }));
  return file;
}

const libraryAddOne = new Map<number, number>();

interface Row {
  tool: string;
  full: Timing;
  republish: Timing;
  addOne: Timing;
}

async function benchSize(count: number): Promise<Row[]> {
  const work = path.join(base, `run-${count}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const debs = ensureDebs(path.join(base, `debs-${count}`), count);
  const newDeb = path.join(work, 'bench-new_1.0-1_all.deb');
  writeFileSync(newDeb, debBytes('bench-new', '1.0-1'));

  const stateDir = path.join(work, 'state');
  const key = await createKey(stateDir, { name: 'freshet bench', email: 'bench@localhost', algorithm: 'ed25519', expire: '1y' });
  const gpgEnv = { GNUPGHOME: gnupgHome(stateDir) };
  const rows: Row[] = [];
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
    const all = resultFile(path.join(work, 'all.json'), debs.map(artifactOf));
    const one = resultFile(path.join(work, 'one.json'), [artifactOf(newDeb)]);
    rows.push({ tool: 'freshet', full: await freshet('publish', all), republish: await freshet('publish', '--resign'), addOne: await freshet('publish', one) });
    // The same add as a library call (what `freshet run` does), without the CLI's start-up.
    const second = path.join(work, 'bench-new2_1.0-1_all.deb');
    writeFileSync(second, debBytes('bench-new2', '1.0-1'));
    const loaded = loadConfig(config);
    setLogLevel('warn');
    const started = process.hrtime.bigint();
    await publishApt({ config: loaded, archive: mainArchive(loaded), suite: 'bookworm', add: [{ artifacts: [artifactOf(second)] }] });
    libraryAddOne.set(count, Number(process.hrtime.bigint() - started) / 1e9);

    // reprepro, with the same index forms (plain, .gz, .xz) and the same key.
    const reprepro = path.join(work, 'reprepro');
    mkdirSync(path.join(reprepro, 'conf'), { recursive: true });
    writeFileSync(
      path.join(reprepro, 'conf/distributions'),
      `Origin: bench\nLabel: bench\nCodename: bookworm\nArchitectures: amd64\nComponents: main\nSignWith: ${key.fingerprint}\nDebIndices: Packages Release . .gz .xz\n`,
    );
    const rr = (...args: string[]) => timed('reprepro', ['-b', reprepro, '--silent', ...args], gpgEnv);
    rows.push({ tool: 'reprepro', full: await rr('includedeb', 'bookworm', ...debs), republish: await rr('export', 'bookworm'), addOne: await rr('includedeb', 'bookworm', newDeb) });

    // aptly: local repo, published signed.
    const aptlyConf = path.join(work, 'aptly.conf');
    writeFileSync(aptlyConf, JSON.stringify({ rootDir: path.join(work, 'aptly'), gpgProvider: 'gpg2' }));
    const aptly = (...args: string[]) => timed('aptly', [`-config=${aptlyConf}`, ...args], gpgEnv);
    await aptly('repo', 'create', '-distribution=bookworm', '-component=main', 'bench');
    const publishArgs = ['-batch', `-gpg-key=${key.fingerprint}`];
    rows.push({
      tool: 'aptly',
      full: sum(await aptly('repo', 'add', 'bench', path.join(base, `debs-${count}`)), await aptly('publish', 'repo', ...publishArgs, '-architectures=amd64,all', 'bench')),
      republish: await aptly('publish', 'update', ...publishArgs, 'bookworm'),
      addOne: sum(await aptly('repo', 'add', 'bench', newDeb), await aptly('publish', 'update', ...publishArgs, 'bookworm')),
    });
  } finally {
    await stopAgent(gnupgHome(stateDir));
  }
  return rows;
}

function report(count: number, rows: Row[]): string {
  const fmt = (t: Timing) => `${t.seconds.toFixed(2).padStart(8)} s ${t.maxRssMb.toFixed(0).padStart(5)} MB`;
  const lines = [`N = ${count}`, `${'tool'.padEnd(10)}${'full publish'.padEnd(22)}${'republish'.padEnd(22)}add one`];
  for (const row of rows) lines.push(`${row.tool.padEnd(10)}${fmt(row.full)}   ${fmt(row.republish)}   ${fmt(row.addOne)}`);
  lines.push(`freshet add one as a library call (no CLI start-up): ${libraryAddOne.get(count)?.toFixed(2)} s`);
  const freshet = rows.find((row) => row.tool === 'freshet')!;
  for (const other of rows.filter((row) => row.tool !== 'freshet')) {
    lines.push(
      `add one: ${other.tool} / freshet = ${(other.addOne.seconds / freshet.addOne.seconds).toFixed(2)}x; ` +
        `full: ${(other.full.seconds / freshet.full.seconds).toFixed(2)}x; republish: ${(other.republish.seconds / freshet.republish.seconds).toFixed(2)}x`,
    );
  }
  return lines.join('\n');
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const count of sizes.length ? sizes : [2000, 10000]) {
  process.stdout.write(`${report(count, await benchSize(count))}\n\n`);
}
