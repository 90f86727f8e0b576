import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, type CliProcess } from './harness.js';
import { farmProject, type FarmProject } from './farm-project.js';
import type { StatusDocument } from '../../src/report/schema.js';
import { buildCli } from '../reliability/tick-project.js';

/**
 * The farm end to end on one machine: a real redis-server, `freshet run` as the coordinator with
 * `queue:` in its config (serving the transfer routes while it runs), and two `freshet worker`
 * processes with work folders of their own, which reach the coordinator only through Redis and
 * HTTP. hello is built for debian-12 and debian-12-rpm; both workers take jobs; the archive verifies.
 */
let farm: FarmProject;
let workers: CliProcess[];

beforeAll(async () => {
  await buildCli();
  farm = await farmProject({ recipes: ['hello'], targets: ['debian-12', 'debian-12-rpm'], workers: ['alpha', 'beta'] });
  workers = [farm.startWorker('alpha'), farm.startWorker('beta')];
  await Promise.all(workers.map((worker) => worker.waitForOutput(/freshet worker: taking jobs/, 60_000)));
}, 600_000);

afterAll(async () => {
  for (const worker of workers ?? []) await worker.stop();
  await cleanupAll();
  await farm?.close();
});

describe('freshet run with queue: builds on farm workers', () => {
  it('builds and gates hello on debian-12 and debian-12-rpm on two workers, publishes, and the archive verifies', async () => {
    const result = await farm.freshet(['run']);
    expect(result.exitCode, `${result.stdout}\n${result.stderr}\n${workers.map((worker) => worker.output()).join('\n')}`).toBe(0);
    // Each worker ran at least one job; the coordinator itself built nothing (no container of its own).
    for (const worker of workers) expect(worker.output()).toMatch(/farm job started/);
    expect(result.stderr).toMatch(/farm build finished.*worker.*(alpha|beta)/);
    // The results were staged from the coordinator's store, never from a worker's folder.
    const bookworm = readFileSync(path.join(farm.dir, 'archive/dists/bookworm/main/binary-amd64/Packages'), 'utf8');
    expect(bookworm).toMatch(/^Package: hello$/m);
    const rpms = readdirSync(path.join(farm.dir, 'archive/rpm/debian-12-rpm'), { recursive: true }).map(String);
    expect(rpms.some((file) => /hello-2\.[\d.]+-.*\.rpm$/.test(file))).toBe(true);
    // The jobs on the queue and their results are plain JSON naming files by sha256: no path of the
    // coordinator's or a worker's folders (all under the project folder) in either.
    for (const [queue, build] of [['freshet-debian-12-amd64', 'hello_debian-12_2.12.3_r1'], ['freshet-debian-12-rpm-amd64', 'hello_debian-12-rpm_2.12.3_r1']] as const) {
      for (const id of [build, `${build}.gate`]) {
        const [data, returned] = await Promise.all(['data', 'returnvalue'].map((field) => farm.redis.command(['HGET', `bull:${queue}:${id}`, field])));
        const blob = { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) };
        expect(JSON.parse(data!), id).toMatchObject({ spec: { id }, ...(id.endsWith('.gate') ? { archive: { tree: blob } } : { source: blob }) });
        expect(JSON.parse(returned!), id).toMatchObject({ worker: expect.stringMatching(/^(alpha|beta)$/) });
        expect(`${data}\n${returned}`, id).not.toContain(farm.dir);
      }
    }
    // Once published, the jobs' inputs and uploads left the blob store, with their upload records.
    const farmState = path.join(farm.dir, 'state/farm');
    expect(readdirSync(path.join(farmState, 'blobs'), { recursive: true }).map(String).filter((file) => /[0-9a-f]{64}$/.test(file))).toEqual([]);
    expect(readdirSync(path.join(farmState, 'results'))).toEqual([]);
    const verified = await farm.freshet(['verify']);
    expect(verified.exitCode, `${verified.stdout}\n${verified.stderr}`).toBe(0);
    expect(verified.stdout).toContain('archive OK');
    // status.json names the worker that built and the one that gated each build.
    const status = JSON.parse(readFileSync(path.join(farm.dir, 'archive/status.json'), 'utf8')) as StatusDocument;
    const builds = status.recipes.flatMap((recipe) => recipe.cells.map((cell) => cell.build));
    expect(builds.map((build) => build?.target).sort()).toEqual(['debian-12', 'debian-12-rpm']);
    for (const build of builds) expect([build?.worker, build?.gate?.worker].every((worker) => worker === 'alpha' || worker === 'beta'), JSON.stringify(build)).toBe(true);
  }, 3_600_000);
});
