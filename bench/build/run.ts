/**
 * Build bench: freshet vs pbuilder on the same generated hello 2.12.3 source for debian-12.
 * pbuilder unpacks its base tarball and installs the build dependencies on every build; freshet
 * builds in a cached deps image. Both build twice (first, repeat); pbuilder lints through a
 * B-hook in its chroot (freshet always runs lintian), and once more without it. Usage in bench/README.md.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getEngine } from '../../src/build/engine/api.js';
import { ensureDepsImage } from '../../src/build/images.js';
import { findTarget, loadConfig } from '../../src/config/load.js';
import { run } from '../../src/core/exec.js';
import { setLogLevel } from '../../src/core/log.js';
import { generateDebianSource } from '../../src/generate/deb/index.js';
import { buildDependsOf } from '../../src/pipeline/families.js';
import { loadRecipeFile, resolveRecipe } from '../../src/recipe/load.js';
import { planVersion } from '../../src/versioning/planner.js';

const repo = path.resolve(import.meta.dirname, '../../../..');
const here = import.meta.dirname;
const UPSTREAM = '2.12.3';
const TARGET = 'debian-12';
const SUITE = 'bookworm';
const MIRROR = 'http://deb.debian.org/debian';
const tarball = path.join(repo, 'var/mirror/ftp.gnu.org/gnu/hello', `hello-${UPSTREAM}.tar.gz`);
const pbuilderDir = path.join(repo, 'var/bench/pbuilder');
const baseTgz = path.join(pbuilderDir, `base-${SUITE}.tgz`);
const work = path.join(repo, 'var/bench/build');
const configFile = path.join(repo, 'freshet.config.yaml');
const containersConf = process.env.CONTAINERS_CONF ?? path.join(repo, 'containers/containers.conf');

interface Timing {
  seconds: number;
  /** Largest single process of the tool's tree (/usr/bin/time -v), MB. */
  maxRssMb: number;
  load: string;
}

const loadNow = () => os.loadavg()[0]!.toFixed(1);

/** Run under /usr/bin/time -v (its report to a file, the output to logFile); wall time from here. */
async function timed(file: string, args: string[], logFile: string, env: Record<string, string> = {}): Promise<Timing & { stdout: string }> {
  const timeFile = `${logFile}.time`;
  rmSync(logFile, { force: true }); // run() appends to its log file; each build reads only its own output.
  const loadBefore = loadNow();
  const started = process.hrtime.bigint();
  const result = await run('/usr/bin/time', ['-o', timeFile, '-v', file, ...args], { env, timeoutMs: 3_600_000, allowFailure: true, logFile });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} failed (log ${logFile}):\n${result.tail}`);
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(timeFile, 'utf8'))?.[1] ?? 0);
  return { seconds, maxRssMb: rssKb / 1024, load: `${loadBefore}→${loadNow()}`, stdout: readFileSync(logFile, 'utf8') };
}

/** The generated source, once: the tree and orig tarball for freshet, plus a .dsc for pbuilder. */
async function prepareSource(): Promise<{ sourceDir: string; dsc: string; packageVersion: string; buildDepends: string[] }> {
  if (!existsSync(tarball)) throw new Error(`${tarball} is missing: run \`node src/cli/bin.js mirror fill\` first`);
  const config = loadConfig(configFile);
  const target = findTarget(config, TARGET);
  const loaded = loadRecipeFile(path.join(repo, 'recipes/hello.yaml'));
  const recipe = resolveRecipe(loaded, target.family, target.id, config.dependencies);
  const packageVersion = planVersion({ upstreamVersion: UPSTREAM, target, rebuild: 1 }).full;
  const sourceDir = path.join(work, 'source');
  rmSync(sourceDir, { recursive: true, force: true });
  const generated = await generateDebianSource({
    recipe,
    recipeFilesDir: loaded.filesDir,
    target,
    upstreamVersion: UPSTREAM,
    packageVersion,
    tarball,
    maintainer: config.maintainer,
    date: new Date('2025-06-01T00:00:00Z'),
    outDir: sourceDir,
  });
  const dscDir = path.join(work, 'dsc');
  rmSync(dscDir, { recursive: true, force: true });
  cpSync(sourceDir, dscDir, { recursive: true, preserveTimestamps: true });
  await run('dpkg-source', ['-b', path.basename(generated.sourceDir)], { cwd: dscDir });
  const dsc = readdirSync(dscDir).find((name) => name.endsWith('.dsc'));
  if (!dsc) throw new Error(`dpkg-source wrote no .dsc in ${dscDir}`);
  return { sourceDir, dsc: path.join(dscDir, dsc), packageVersion, buildDepends: buildDependsOf(path.join(generated.sourceDir, 'debian/control')) };
}

const pbuilderPlaces = () => ['--buildplace', path.join(pbuilderDir, 'build'), '--aptcache', path.join(pbuilderDir, 'aptcache')];

/** pbuilder's base tarball, made once (not timed in the comparison) and kept under var/bench/pbuilder. */
async function ensureBase(): Promise<number | undefined> {
  if (existsSync(baseTgz)) return undefined;
  for (const dir of ['build', 'aptcache']) mkdirSync(path.join(pbuilderDir, dir), { recursive: true });
  const partial = `${baseTgz}.partial.tgz`;
  process.stdout.write(`pbuilder: creating ${baseTgz} (once; several minutes)\n`);
  const created = await timed(
    'pbuilder',
    ['create', '--basetgz', partial, '--distribution', SUITE, '--mirror', MIRROR, ...pbuilderPlaces(), '--debootstrapopts', '--variant=buildd'],
    path.join(pbuilderDir, 'create.log'),
  );
  renameSync(partial, baseTgz);
  return created.seconds;
}

// The bench's own hook, run by pbuilder in the chroot after a successful build (with network):
// lintian is not in the base, so it is installed each time, as every build dependency is.
const LINTIAN_HOOK = `#!/bin/sh
set -e
apt-get install -y -q --no-install-recommends lintian > /dev/null
cd /build
status=0
lintian --no-tag-display-limit ./*_"$(dpkg --print-architecture)".changes || status=$?
echo "bench-lintian: exited with $status"
`;

async function pbuilderBuild(dsc: string, label: string, withLintian: boolean): Promise<Timing> {
  const result = path.join(work, `pbuilder-${label}`);
  rmSync(result, { recursive: true, force: true });
  mkdirSync(result, { recursive: true });
  const hooks = path.join(work, 'pbuilder-hooks');
  mkdirSync(hooks, { recursive: true });
  writeFileSync(path.join(hooks, 'B90lintian'), LINTIAN_HOOK, { mode: 0o755 });
  const args = ['build', '--basetgz', baseTgz, ...pbuilderPlaces(), '--buildresult', result, ...(withLintian ? ['--hookdir', hooks] : []), dsc];
  const timing = await timed('pbuilder', args, path.join(work, `pbuilder-${label}.log`), { DEB_BUILD_OPTIONS: `parallel=${Math.min(os.availableParallelism(), 8)}` });
  if (!readdirSync(result).some((name) => name.endsWith('.deb'))) throw new Error(`pbuilder ${label}: no .deb in ${result}`);
  if (withLintian !== timing.stdout.includes('bench-lintian: exited')) {
    throw new Error(`pbuilder ${label}: the lintian hook ${withLintian ? 'did not run' : 'ran'} (see ${result}.log)`);
  }
  return timing;
}

interface FreshetTiming extends Timing {
  buildMs: number;
  lintMs: number;
  imageHow: string;
  containerRssMb: number;
}

/** The build container's resident memory: sampled from its memory cgroup (v1 or v2) while it runs. */
function sampleContainer(namePrefix: string): { stop: () => Promise<number> } {
  let peak = 0;
  let id: string | undefined;
  let done = false;
  const readRss = (): number => {
    for (const file of [`/sys/fs/cgroup/memory/libpod_parent/libpod-${id}/memory.stat`, `/sys/fs/cgroup/machine.slice/libpod-${id}.scope/memory.stat`]) {
      if (!existsSync(file)) continue;
      const stat = readFileSync(file, 'utf8');
      const bytes = /^(?:total_rss|anon) (\d+)$/m.exec(stat)?.[1];
      if (bytes) return Number(bytes);
    }
    return 0;
  };
  const loop = (async () => {
    while (!done) {
      if (!id) {
        const found = await run('podman', ['ps', '-q', '--no-trunc', '--filter', `name=^${namePrefix}`], { allowFailure: true, env: { CONTAINERS_CONF: containersConf } });
        id = found.stdout.trim().split('\n')[0] || undefined;
      }
      if (id) peak = Math.max(peak, readRss());
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    stop: async () => {
      done = true;
      await loop;
      return peak / 1024 / 1024;
    },
  };
}

async function freshetBuild(source: { sourceDir: string; packageVersion: string; buildDepends: string[] }, label: string): Promise<FreshetTiming> {
  const outputDir = path.join(work, `freshet-${label}`);
  rmSync(outputDir, { recursive: true, force: true });
  const sampler = sampleContainer('freshet-build-bench-build-hello-');
  let containerRssMb = 0;
  let timing: Awaited<ReturnType<typeof timed>>;
  try {
    timing = await timed(
      process.execPath,
      [path.join(here, 'freshet-build.js'), configFile, TARGET, source.sourceDir, outputDir, source.packageVersion, JSON.stringify(source.buildDepends)],
      path.join(work, `freshet-${label}.log`),
    );
  } finally {
    containerRssMb = await sampler.stop();
  }
  const line = timing.stdout.split('\n').find((text) => text.startsWith('{"image"'));
  if (!line) throw new Error(`freshet ${label}: no result line (see ${work}/freshet-${label}.log)`);
  const parsed = JSON.parse(line) as { status: string; error?: string; buildMs: number; lintMs: number; image: { how: string } };
  if (parsed.status !== 'ok') throw new Error(`freshet ${label}: ${parsed.error}`);
  return { ...timing, buildMs: parsed.buildMs, lintMs: parsed.lintMs, imageHow: parsed.image.how, containerRssMb };
}

/** Builder and deps images before the timed builds: made here when missing ("first, cold"). */
async function ensureImages(buildDepends: string[]): Promise<{ how: string; seconds: number }> {
  const config = loadConfig(configFile);
  const outcome = await ensureDepsImage(findTarget(config, TARGET), buildDepends, { engine: getEngine(config.engine), stateDir: config.stateDir });
  return { how: outcome.how, seconds: outcome.durationMs / 1000 };
}

const s = (seconds: number) => `${seconds.toFixed(1)} s`;
const mb = (value: number) => `${value.toFixed(0)} MB`;

// The compiled src under dist/.bench finds templates/ and containers/ two folders up, as dist/ does.
for (const dir of ['templates', 'containers']) {
  const link = path.resolve(here, '../..', dir);
  if (!existsSync(link)) symlinkSync(path.join(repo, dir), link);
}
setLogLevel('warn');
mkdirSync(work, { recursive: true });
const source = await prepareSource();
process.stdout.write(`source: ${path.basename(source.dsc)}; Build-Depends: ${source.buildDepends.join(', ')}\n`);
const created = await ensureBase();
const images = await ensureImages(source.buildDepends);
process.stdout.write(`freshet images: ${images.how} in ${s(images.seconds)}${images.how === 'cached' ? '' : ' (first, cold)'}\n`);

// Alternating the tools so that both see the same drift of the machine's load; repeats from argv.
const repeats = Math.max(1, Number(process.argv[2] ?? 2) || 2);
const aptcacheDebs = readdirSync(path.join(pbuilderDir, 'aptcache')).filter((name) => name.endsWith('.deb')).length;
const pFirst = await pbuilderBuild(source.dsc, 'first', true);
const fFirst = await freshetBuild(source, 'first');
const pRepeats: Timing[] = [];
const fRepeats: FreshetTiming[] = [];
for (let index = 1; index <= repeats; index++) {
  pRepeats.push(await pbuilderBuild(source.dsc, `repeat-${index}`, true));
  fRepeats.push(await freshetBuild(source, `repeat-${index}`));
}
const pBare = await pbuilderBuild(source.dsc, 'repeat-nolint', false);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const bare = (timing: FreshetTiming) => timing.seconds - timing.lintMs / 1000;
const list = (values: number[]) => values.map((value) => value.toFixed(1)).join(' / ') + ' s';
const loads = (timings: Timing[]) => timings.map((timing) => timing.load).join(', ');
const pRepeat = median(pRepeats.map((timing) => timing.seconds));
const fRepeat = median(fRepeats.map((timing) => timing.seconds));
const fRepeatBare = median(fRepeats.map(bare));
const rows = [
  ['tool', 'first build', 'repeat builds', 'peak memory', 'load (1 min, before→after each repeat)'],
  ['pbuilder + lintian hook', s(pFirst.seconds), list(pRepeats.map((t) => t.seconds)), `${mb(Math.max(...pRepeats.map((t) => t.maxRssMb)))} (largest process of its tree)`, loads(pRepeats)],
  ['pbuilder, no lintian', '–', s(pBare.seconds), mb(pBare.maxRssMb), pBare.load],
  [
    'freshet (build + lintian)',
    s(fFirst.seconds),
    list(fRepeats.map((t) => t.seconds)),
    `${mb(Math.max(...fRepeats.map((t) => t.maxRssMb)))} node/podman; container ${mb(Math.max(...fRepeats.map((t) => t.containerRssMb)))} (sampled cgroup RSS)`,
    loads(fRepeats),
  ],
  ['freshet, minus lintian phase', s(bare(fFirst)), list(fRepeats.map(bare)), '', ''],
];
const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
const lines = rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
const phases = (timing: FreshetTiming) => `dpkg-buildpackage ${s(timing.buildMs / 1000)}, lintian ${s(timing.lintMs / 1000)}`;
lines.push(
  '',
  `pbuilder base tarball: ${created === undefined ? 'reused' : `created in ${s(created)}`} (not timed above); aptcache held ${aptcacheDebs} .debs before the first build`,
  `freshet images: ${images.how}${images.how === 'cached' ? '' : ` in ${s(images.seconds)} (first, cold)`}; the timed builds found the deps image ${[fFirst, ...fRepeats].map((t) => t.imageHow).join('/')}`,
  `freshet phases: first ${phases(fFirst)}; repeats ${fRepeats.map(phases).join('; ')}`,
  '  (the rest of each freshet time: process start, image check, source copy, container start, collecting)',
  `ratio freshet / pbuilder, repeat (medians), both linting:    ${(fRepeat / pRepeat).toFixed(2)} (target ≤ 0.6)`,
  `ratio freshet / pbuilder, repeat, neither linting:           ${(fRepeatBare / pBare.seconds).toFixed(2)} (freshet minus its lintian phase)`,
  `ratio freshet / pbuilder, first, both linting:               ${(fFirst.seconds / pFirst.seconds).toFixed(2)}`,
);
process.stdout.write(`${lines.join('\n')}\n`);
