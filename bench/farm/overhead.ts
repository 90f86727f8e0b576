import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, linkSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { findTarget, loadConfig } from '../../src/config/load.js';
import { setLogLevel } from '../../src/core/log.js';
import { sha256Of } from '../../src/core/digest.js';
import { BlobStore, type BlobRef } from '../../src/farm/blobs.js';
import { JobResults } from '../../src/farm/coordinator/results.js';
import { generateToken, tokenSha256, WorkerTokens } from '../../src/farm/coordinator/tokens.js';
import { createTransferRoutes, startFarmServer } from '../../src/farm/coordinator/transfer.js';
import { packJobArchive } from '../../src/farm/coordinator/job-archive.js';
import { packTree, unpackTree } from '../../src/farm/trees.js';
import { TransferClient } from '../../src/farm/worker/transfer-client.js';
import { generateDebianSource } from '../../src/generate/deb/index.js';
import { loadRecipeFile, resolveRecipe } from '../../src/recipe/load.js';
import { planVersion } from '../../src/versioning/planner.js';
import { freePort, startRedis } from '../../test/farm/harness.js';

/**
 * What the farm adds to a job over the embedded mode, where the executor passes folders: the
 * coordinator packs and hashes the job's inputs into its blob store, the job goes through BullMQ,
 * the worker downloads and unpacks them over HTTP, uploads its results with their sha256 (which the
 * coordinator's transfer routes check as the bytes arrive), and the coordinator links the uploads
 * it was told of into the build's folder. Each step with freshet's own functions (src/farm/), a
 * real redis-server (AOF, appendfsync always) and the transfer routes on loopback; the worker's
 * BullMQ Worker runs in this process and builds nothing.
 *
 * Build job: the generated hello 2.12.3 source for debian-12 (its orig tarball, signature and the
 * unpacked tree with debian/, as `freshet run` leaves it in builds/<id>/source), and the files a
 * real hello build returns, at their real sizes (random bytes; the transfer does not look inside).
 * Gate job: a staging archive (a copy of the whole live archive, src/pipeline/run.ts stageArchive)
 * in freshet's layout (dists/bookworm a link to its generation, whose Packages lists the pool files
 * of the suite) with the build's packages plus EXTRA MB of other packages, either in another suite
 * (trixie) or in the gate's own suite. Each is shipped as the farm executor did before (packTree of
 * the whole archive) and as it does now (packJobArchive: the suite, the pool files it lists and the
 * keyring).
 * Usage: node dist/.bench/bench/farm/overhead.js [JOBS] [--archive-mb=0,200]
 */
const repo = path.resolve(import.meta.dirname, '../../../..');
const args = process.argv.slice(2);
const JOBS = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 10);
const ARCHIVE_MB = (args.find((arg) => arg.startsWith('--archive-mb='))?.slice('--archive-mb='.length) ?? '0,200').split(',').map(Number);
const work = path.join(repo, 'var/bench/farm');
const UPSTREAM = '2.12.3';
const tarball = path.join(repo, 'var/mirror/ftp.gnu.org/gnu/hello', `hello-${UPSTREAM}.tar.gz`);

/** What a hello 2.12.3 build on debian-12 returned (bytes), besides the orig tarball and its signature. */
const BUILD_OUTPUTS: Array<[string, number]> = [
  ['hello_2.12.3-0~deb12+freshet1_amd64.deb', 70_800],
  ['hello-dbgsym_2.12.3-0~deb12+freshet1_amd64.deb', 68_156],
  ['hello_2.12.3-0~deb12+freshet1.debian.tar.xz', 10_152],
  ['hello_2.12.3-0~deb12+freshet1.dsc', 1_143],
  ['hello_2.12.3-0~deb12+freshet1_amd64.buildinfo', 5_817],
  ['hello_2.12.3-0~deb12+freshet1_amd64.changes', 2_532],
  ['build.log', 147_903],
  ['lint.txt', 95],
];

async function generateSource(dir: string): Promise<void> {
  if (!existsSync(tarball)) throw new Error(`${tarball} is missing: run \`node src/cli/bin.js mirror fill\` first`);
  const config = loadConfig(path.join(repo, 'freshet.config.yaml'));
  const target = findTarget(config, 'debian-12');
  const loaded = loadRecipeFile(path.join(repo, 'recipes/hello.yaml'));
  rmSync(dir, { recursive: true, force: true });
  await generateDebianSource({
    recipe: resolveRecipe(loaded, target.family, target.id, config.dependencies),
    recipeFilesDir: loaded.filesDir,
    target,
    upstreamVersion: UPSTREAM,
    packageVersion: planVersion({ upstreamVersion: UPSTREAM, target, rebuild: 1 }).full,
    tarball,
    maintainer: config.maintainer,
    date: new Date('2025-06-01T00:00:00Z'),
    outDir: dir,
  });
}

function writeRandom(file: string, size: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, randomBytes(size));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(0)} ms`;

interface WorkerTimes {
  pickedUpAt: number;
  downloadMs: number;
  uploadMs: number;
  returnedAt: number;
}

interface BenchJob {
  kind: 'build' | 'gate';
  id: string;
  inputs: BlobRef[];
  /** Files the worker uploads: a folder of this process standing in for the worker's output. */
  outputs: string[];
}

async function main(): Promise<void> {
  setLogLevel('error');
  // The compiled src under dist/.bench finds templates/ two folders up, as dist/ does.
  const templates = path.join(repo, 'dist/.bench/templates');
  if (!existsSync(templates)) symlinkSync(path.join(repo, 'templates'), templates);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const redis = await startRedis({ dir: path.join(work, 'redis') });
  const connection = { host: redis.host, port: redis.port };
  const store = new BlobStore(path.join(work, 'coordinator/blobs'));
  const results = new JobResults(path.join(work, 'coordinator/results'));
  mkdirSync(results.dir, { recursive: true });
  const token = generateToken();
  const routes = createTransferRoutes({ store, results, tokens: new WorkerTokens([{ name: 'bench', tokenSha256: tokenSha256(token) }]), maxUploadBytes: 2048 * 1024 * 1024 });
  const server = await startFarmServer(routes, '127.0.0.1', await freePort());
  const client = new TransferClient({ coordinator: `http://127.0.0.1:${server.port}`, token });
  const queue = new Queue('bench-overhead', { connection });
  const events = new QueueEvents('bench-overhead', { connection });
  await events.waitUntilReady();

  // The worker: fetch and unpack the inputs, "build" nothing, upload the outputs.
  const workerDir = path.join(work, 'worker');
  const worker = new Worker<BenchJob, { times: WorkerTimes; uploaded: Record<string, BlobRef> }>(
    'bench-overhead',
    async (job) => {
      const pickedUpAt = performance.now();
      const dir = path.join(workerDir, job.data.id);
      rmSync(dir, { recursive: true, force: true });
      for (const [index, input] of job.data.inputs.entries()) {
        const file = path.join(dir, `input-${index}`);
        await client.download(input.sha256, file);
        if (index === 0) await unpackTree(file, path.join(dir, 'tree'));
      }
      const downloaded = performance.now();
      const uploaded: Record<string, BlobRef> = {};
      for (const file of job.data.outputs) uploaded[path.basename(file)] = await client.upload(job.data.id, path.basename(file), file);
      const returnedAt = performance.now();
      rmSync(dir, { recursive: true, force: true });
      return { times: { pickedUpAt, downloadMs: downloaded - pickedUpAt, uploadMs: returnedAt - downloaded, returnedAt }, uploaded };
    },
    { connection, concurrency: 1 },
  );
  await worker.waitUntilReady();

  /** As the farm executor's putTree: pack, hash, move into the store under its hash. */
  async function putTree(dir: string, label: string, pack: (dir: string, file: string) => Promise<void> = packTree): Promise<BlobRef> {
    const temp = store.incomingFile(`${label}.tar`);
    try {
      await pack(dir, temp);
      const ref = await sha256Of(temp);
      await store.adopt(temp, ref.sha256);
      return ref;
    } finally {
      rmSync(temp, { force: true });
    }
  }

  /** One job end to end; returns each step's time. */
  async function runJob(kind: 'build' | 'gate', id: string, tree: string, extraInputs: BlobRef[], outputs: string[], pack?: (dir: string, file: string) => Promise<void>) {
    const started = performance.now();
    const root = await putTree(tree, id, pack);
    const packed = performance.now();
    const job = await queue.add(kind, { kind, id, inputs: [root, ...extraInputs], outputs } satisfies BenchJob, { jobId: id });
    const { times, uploaded } = (await job.waitUntilFinished(events)) as { times: WorkerTimes; uploaded: Record<string, BlobRef> };
    const finished = performance.now();
    // As the executor's takeUpload: what the worker reports must be what it uploaded; link it in.
    const listed = results.list(id);
    const outputDir = path.join(work, 'coordinator/builds', id);
    mkdirSync(outputDir, { recursive: true });
    for (const [name, ref] of Object.entries(uploaded)) {
      if (listed[name]?.sha256 !== ref.sha256 || !store.has(ref.sha256)) throw new Error(`${id}: ${name} was not uploaded as reported`);
      linkSync(store.pathOf(ref.sha256), path.join(outputDir, name));
    }
    const staged = performance.now();
    return {
      pack: packed - started,
      queue: times.pickedUpAt - packed + (finished - times.returnedAt),
      download: times.downloadMs,
      upload: times.uploadMs,
      stage: staged - finished,
      total: staged - started,
      inputBytes: root.size + extraInputs.reduce((sum, input) => sum + input.size, 0),
    };
  }

  type Times = Awaited<ReturnType<typeof runJob>>;
  const rows: Array<{ label: string; times: Times[] }> = [];
  try {
    const source = path.join(work, 'source');
    await generateSource(source);
    const upstreamFiles = [`hello_${UPSTREAM}.orig.tar.gz`, `hello_${UPSTREAM}.orig.tar.gz.asc`].filter((name) => existsSync(path.join(source, name)));
    const builds: Times[] = [];
    const outputsOf: string[][] = [];
    for (let index = 0; index < JOBS; index++) {
      // Each job's bytes are new, as in a real run (the store would otherwise find them already there).
      writeFileSync(path.join(source, '.bench-job'), `${index} ${randomBytes(8).toString('hex')}\n`);
      const outputDir = path.join(work, 'outputs', String(index));
      for (const [name, size] of BUILD_OUTPUTS) writeRandom(path.join(outputDir, name), size);
      for (const name of upstreamFiles) cpSync(path.join(source, name), path.join(outputDir, name));
      const outputs = [...BUILD_OUTPUTS.map(([name]) => path.join(outputDir, name)), ...upstreamFiles.map((name) => path.join(outputDir, name))];
      outputsOf.push(outputs);
      builds.push(await runJob('build', `hello_debian-12_2.12.3_r${index + 1}`, source, [], outputs));
    }
    rows.push({ label: 'build (hello source → its debs)', times: builds });

    const packs = { whole: packTree, job: (dir: string, file: string) => packJobArchive(dir, 'deb', 'bookworm', file) };
    for (const extraMb of ARCHIVE_MB) {
      for (const where of extraMb === 0 ? (['trixie'] as const) : (['trixie', 'bookworm'] as const)) {
        const staging = path.join(work, `staging-${extraMb}-${where}`);
        const listed: Record<'bookworm' | 'trixie', string[]> = { bookworm: [], trixie: [] };
        for (const name of BUILD_OUTPUTS.slice(0, 2).map(([name]) => `pool/main/h/hello/${name}`)) {
          writeRandom(path.join(staging, name), 70_000);
          listed.bookworm.push(name);
        }
        for (let megabyte = 0; megabyte < extraMb; megabyte += 4) {
          const name = `pool/main/o/other${megabyte}/other${megabyte}_1.0-1_amd64.deb`;
          writeRandom(path.join(staging, name), 4 * 1024 * 1024);
          listed[where].push(name);
        }
        for (const suite of ['bookworm', 'trixie'] as const) {
          const generation = path.join(staging, 'dists/.generations', suite, '1');
          writeRandom(path.join(generation, 'InRelease'), 3_000);
          mkdirSync(path.join(generation, 'main/binary-amd64'), { recursive: true });
          writeFileSync(path.join(generation, 'main/binary-amd64/Packages'), listed[suite].map((name) => `Package: x\nFilename: ${name}\n`).join('\n'));
          symlinkSync(`.generations/${suite}/1`, path.join(staging, 'dists', suite));
        }
        writeRandom(path.join(staging, 'freshet-archive-keyring.gpg'), 242);
        for (const [packing, pack] of Object.entries(packs)) {
          const gates: Times[] = [];
          for (let index = 0; index < JOBS; index++) {
            writeFileSync(path.join(staging, 'freshet-archive-keyring.asc'), `${index} ${randomBytes(8).toString('hex')}\n`);
            // The gate fetches the build's artifacts by hash; they are in the store from its upload.
            const artifacts = Object.entries(results.list(`hello_debian-12_2.12.3_r${index + 1}`))
              .filter(([name]) => !['build.log', 'lint.txt'].includes(name))
              .map(([, { sha256, size }]) => ({ sha256, size }));
            const gateLog = path.join(work, 'outputs', String(index), 'gate.log');
            writeRandom(gateLog, 5_184);
            gates.push(await runJob('gate', `hello_debian-12_2.12.3_r${index + 1}.gate-${extraMb}-${where}-${packing}`, staging, artifacts, [gateLog], pack));
          }
          const extra = extraMb === 0 ? 'the build\'s packages only' : `+ ${extraMb} MB of other packages in ${where === 'bookworm' ? 'its own suite' : 'another suite'}`;
          rows.push({ label: `gate (${extra}), ${packing === 'whole' ? 'whole staging archive (before)' : 'its suite only (now)'}`, times: gates });
        }
        rmSync(staging, { recursive: true, force: true });
      }
    }
  } finally {
    await worker.close();
    await events.close();
    await queue.close();
    await server.close();
    await redis.kill();
  }

  console.log('');
  console.log(`Medians of ${JOBS} jobs each, milliseconds (redis appendfsync always; loopback HTTP; worker in this process):`);
  console.log('');
  console.log('| job | inputs | pack + hash into the store | queue (add → picked up, result → coordinator) | download + unpack | upload + hash check | link into builds/ | **added per job** |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const { label, times } of rows) {
    const m = (key: keyof Times) => median(times.map((entry) => entry[key]));
    console.log(`| ${label} | ${(m('inputBytes') / 1024 / 1024).toFixed(1)} MB | ${ms(m('pack'))} | ${ms(m('queue'))} | ${ms(m('download'))} | ${ms(m('upload'))} | ${ms(m('stage'))} | **${ms(m('total'))}** |`);
  }
  console.log('');
  console.log(`peak RSS of this process (coordinator and worker side together): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  rmSync(work, { recursive: true, force: true });
}

await main();
