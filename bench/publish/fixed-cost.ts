/**
 * The fixed cost of a publish (issue 17): `freshet publish one.json` adding one package to an
 * N-package archive (default 100), as a CLI call, K times (default 9) with a new version each time;
 * prints each wall and CPU time (user + system, from /usr/bin/time), the medians and the 1-minute
 * load average. With `--steps` each call also logs its publish steps (FRESHET_LOG_LEVEL=debug);
 * `--against DIR` alternates the calls with the CLI of another checkout (DIR/src/cli/bin.js, built),
 * so both see the same drift of the machine's load. Usage in bench/README.md.
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
const freshetBin = path.join(repo, 'src/cli/bin.js');

function artifactOf(file: string): BuildArtifact {
  const data = readFileSync(file);
  return { file, kind: 'deb', size: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const numbers = args.filter((arg) => /^\d+$/.test(arg)).map(Number);
const [count = 100, calls = 9] = numbers;
const work = path.join(repo, 'var/bench/publish', `fixed-cost-${count}`);
rmSync(work, { recursive: true, force: true });
mkdirSync(path.join(work, 'recipes'), { recursive: true });
const debs = ensureDebs(path.join(repo, 'var/bench/publish', `debs-src-${count}`), count);
const recipe = (name: string, packages: string[]) =>
  [`name: ${name}`, 'summary: synthetic packages of the publish bench', 'description: Synthetic packages of the publish bench.', 'homepage: https://example.org/',
    'license: MIT', 'copyright: ["2025 freshet bench"]', 'upstream:', '  kind: html-index', '  url: https://example.org/bench/',
    `  pattern: ${name}-(\\d[\\d.]*)\\.tar\\.gz`, '  sha256:', `    "1.0": "${'0'.repeat(64)}"`, 'build:', '  system: autotools', 'packages:',
    ...packages.map((pkg) => `  - { name: ${pkg}, role: data }`), ''].join('\n');
writeFileSync(path.join(work, 'recipes/bench.yaml'), recipe('bench', debs.map((file) => path.basename(file).split('_')[0]!)));
writeFileSync(path.join(work, 'recipes/bench-new.yaml'), recipe('bench-new', ['bench-new']));
const configFile = path.join(work, 'freshet.config.yaml');
writeFileSync(configFile, JSON.stringify({ archive: 'archive', state: 'state', targets: [{ id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } }] }));
const stateDir = path.join(work, 'state');
await createKey(stateDir, { name: 'freshet bench', email: 'bench@localhost', algorithm: 'ed25519', expire: '1y' });
setLogLevel('warn');
const config = loadConfig(configFile);
await publishApt({ config, archive: mainArchive(config), suite: 'bookworm', add: [{ artifacts: debs.map(artifactOf) }] });

const against = args.includes('--against') ? path.resolve(args[args.indexOf('--against') + 1]!, 'src/cli/bin.js') : undefined;
const clis = against ? [freshetBin, against] : [freshetBin];
const wall = new Map<string, number[]>(clis.map((cli) => [cli, []]));
const cpu = new Map<string, number[]>(clis.map((cli) => [cli, []]));
try {
  for (let call = 0; call < calls; call += 1) {
    // Versions 1.0-1, 1.0-2…: each call adds a new version (the archive keeps the newest few).
    const version = `1.0-${call + 1}`;
    const deb = path.join(work, `bench-new_${version}_all.deb`);
    writeFileSync(deb, debBytes('bench-new', version, 'bench-new'));
    const result = path.join(work, `one-${call}.json`);
    const now = new Date().toISOString();
    writeFileSync(result, JSON.stringify({ jobId: 'bench', recipe: 'bench-new', targetId: 'debian-12', packageVersion: version, status: 'ok', artifacts: [artifactOf(deb)], logFile: '', startedAt: now, finishedAt: now }));
    const cli = clis[call % clis.length]!;
    const started = process.hrtime.bigint();
    const outcome = await run('/usr/bin/time', ['-f', 'cpu %U %S', 'node', cli, '--config', configFile, 'publish', result], {
      env: flag('--steps') ? { FRESHET_LOG_LEVEL: 'debug' } : {},
      timeoutMs: 600_000,
    });
    wall.get(cli)!.push(Number(process.hrtime.bigint() - started) / 1e9);
    const [user, system] = /cpu ([\d.]+) ([\d.]+)/.exec(outcome.stderr)!.slice(1).map(Number);
    cpu.get(cli)!.push(user! + system!);
    if (flag('--steps')) process.stdout.write(outcome.stderr);
    process.stdout.write(`call ${call + 1} (${cli}): ${wall.get(cli)!.at(-1)!.toFixed(3)} s, CPU ${cpu.get(cli)!.at(-1)!.toFixed(2)} s\n`);
  }
} finally {
  await stopAgent(gnupgHome(stateDir));
}
for (const cli of clis) {
  const times = wall.get(cli)!;
  process.stdout.write(`${cli}: add one to ${count} as a CLI call: median ${median(times).toFixed(3)} s wall, ${median(cpu.get(cli)!).toFixed(2)} s CPU, of ${times.length}\n`);
}
process.stdout.write(`load average at the end: ${loadavg()[0]!.toFixed(2)}\n`);
