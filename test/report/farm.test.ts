import { afterAll, describe, expect, it } from 'vitest';
import { builtBy, farmLines, formatBytes } from '../../src/report/farm.js';
import { collectMetrics, formatMetrics } from '../../src/report/metrics.js';
import { statusDocument } from '../../src/report/model.js';
import { indexPage, recipePage } from '../../src/report/pages.js';
import { StatusDocument, type FarmStatus } from '../../src/report/schema.js';
import { statusTable } from '../../src/report/terminal.js';
import { HOSTILE, makeFixture, NOW } from './fixture.js';

/**
 * The build farm in the report: each build's worker from the state, and the farm snapshot
 * (src/farm/coordinator/farm-status.ts reads it from Redis; here a document as it returns one)
 * on the status page, in `freshet status` and in /metrics.
 */
const fixture = makeFixture();
afterAll(() => fixture.state.close());

// frob 1.5 built by builder-1 and gated by builder-2 on debian-13; hello's builds ran in-process (`local`).
const frob = 'frob_debian-13_1.5_r1';
fixture.state.recordRelease('frob', { upstreamVersion: '1.5', url: 'https://example.org/frob/frob-1.5.tar.gz' }, '2025-05-01T01:00:00Z');
fixture.state.startBuild({ id: frob, recipe: 'frob', targetId: 'debian-13', upstreamVersion: '1.5', packageVersion: '1.5-1~freshet1', rebuild: 1, logFile: '/nonexistent', startedAt: '2025-05-01T02:00:00Z' });
fixture.state.finishBuild({ jobId: frob, recipe: 'frob', targetId: 'debian-13', packageVersion: '1.5-1~freshet1', status: 'ok', artifacts: [], logFile: '/nonexistent', startedAt: '2025-05-01T02:00:00Z', finishedAt: '2025-05-01T02:10:00Z', worker: 'builder-1' });
fixture.state.recordGate(frob, { status: 'passed', worker: 'builder-2', at: '2025-05-01T02:20:00Z' });

const farm: FarmStatus = {
  queue: 'redis://***@10.0.0.1:6379',
  readAt: NOW.toISOString(),
  error: null,
  queues: [
    { name: 'freshet-debian-12-amd64', target: 'debian-12', arch: 'amd64', waiting: 3, active: 1, delayed: 2, failed: 1, completed: 40 },
    { name: 'freshet-debian-13-amd64', target: 'debian-13', arch: 'amd64', waiting: 0, active: 0, delayed: 0, failed: 0, completed: 7 },
  ],
  running: [{ jobId: 'hello_debian-12_2.12.4_r1', kind: 'build', recipe: 'hello', target: 'debian-12', worker: 'builder-1', since: '2025-05-01T23:50:00Z', attempt: 2 }],
  workers: [
    {
      name: 'builder-1',
      health: 'ok',
      host: 'build1.example.org',
      targets: ['debian-12', 'debian-13'],
      arch: 'amd64',
      version: '0.1.0',
      concurrency: 2,
      running: 1,
      runningJobs: ['hello_debian-12_2.12.4_r1'],
      lastJob: { id: 'frob_debian-13_1.5_r1.gate', outcome: 'completed', finishedAt: '2025-05-01T23:40:00Z' },
      startedAt: '2025-05-01T20:00:00Z',
      lastSeen: '2025-05-01T23:59:58Z',
      freeDiskBytes: 53_687_091_200,
    },
    {
      name: `builder-2 ${HOSTILE}`,
      health: 'lost',
      host: 'build2.example.org',
      targets: ['debian-12'],
      arch: 'amd64',
      version: '0.1.0',
      concurrency: 1,
      running: 1,
      runningJobs: ['frob_debian-12_1.4_r2'],
      lastJob: null,
      startedAt: '2025-05-01T20:00:00Z',
      lastSeen: '2025-05-01T22:00:00Z',
      freeDiskBytes: 1_000_000,
    },
    { name: 'builder-3', health: 'stopped', host: 'build3', targets: ['debian-13'], arch: 'arm64', version: '0.1.0', concurrency: 1, running: 0, runningJobs: [], lastJob: null, startedAt: '2025-05-01T20:00:00Z', lastSeen: '2025-05-01T21:00:00Z', freeDiskBytes: null },
  ],
};

const embedded = statusDocument(fixture.config, fixture.recipes, fixture.state, { now: NOW, fingerprint: null });
const withFarm = StatusDocument.parse({ ...embedded, farm });

describe('each build\'s worker', () => {
  it('status.json names the worker that built and the one that gated each build', () => {
    const frobStatus = embedded.recipes.find((recipe) => recipe.name === 'frob')!;
    const build = frobStatus.cells.find((cell) => cell.target === 'debian-13')!.build!;
    expect(build).toMatchObject({ id: frob, worker: 'builder-1', gate: { status: 'passed', worker: 'builder-2' } });
    // Builds recorded before workers were: null, not absent or made up.
    const hello = embedded.recipes.find((recipe) => recipe.name === 'hello')!.cells[0]!.build!;
    expect(hello.worker).toBeNull();
    expect(hello.gate?.worker).toBeNull();
    expect(StatusDocument.safeParse(embedded).success).toBe(true);
  });

  it('the status page and freshet status say who built and gated; the coordinator\'s own `local` is not shown', () => {
    expect(builtBy({ worker: 'builder-1', gate: null })).toBe('on builder-1');
    expect(builtBy({ worker: 'builder-1', gate: { status: 'passed', reason: null, at: '', log: null, worker: 'builder-1' } })).toBe('on builder-1');
    expect(builtBy({ worker: 'local', gate: { status: 'passed', reason: null, at: '', log: null, worker: 'local' } })).toBeNull();
    const frobPage = recipePage(withFarm.recipes.find((recipe) => recipe.name === 'frob')!, withFarm);
    expect(frobPage).toContain('built on builder-1, gated on builder-2');
    const table = statusTable(withFarm).split('\n');
    expect(table[0]).toMatch(/LAG\s+WORKER\s+NOTE$/);
    expect(table.find((line) => /^frob\s+debian-13\s/.test(line))).toContain('built on builder-1, gated on builder-2');
    // The embedded mode's table keeps its columns.
    expect(statusTable(embedded).split('\n')[0]).not.toContain('WORKER');
  });
});

describe('the build farm in the report', () => {
  it('freshet status prints a line per queue, running job and worker, lost and stopped ones said so', () => {
    const lines = farmLines(farm);
    expect(lines).toContain('build farm redis://***@10.0.0.1:6379');
    expect(lines).toContain('queue freshet-debian-12-amd64: 3 waiting, 1 running, 2 delayed, 1 failed, 40 completed');
    expect(lines).toContain('running hello_debian-12_2.12.4_r1 (build of hello on debian-12, attempt 2) on builder-1 since 2025-05-01 23:50 UTC');
    expect(lines).toContain(
      'worker builder-1: ok (build1.example.org, debian-12 debian-13 amd64, freshet 0.1.0; 1/2 jobs, last job frob_debian-13_1.5_r1.gate completed, 50.0 GiB free; up since 2025-05-01 20:00 UTC)',
    );
    expect(lines).toContain(`worker builder-2 ${HOSTILE}: lost (build2.example.org, debian-12 amd64, freshet 0.1.0; last seen 2025-05-01 22:00 UTC)`);
    expect(lines).toContain('worker builder-3: stopped (build3, debian-13 arm64, freshet 0.1.0; last seen 2025-05-01 21:00 UTC)');
    expect(statusTable(withFarm)).toContain('\nbuild farm redis://***@10.0.0.1:6379\n');
    expect(statusTable(embedded)).not.toContain('build farm');
  });

  it('freshet status says when Redis could not be read', () => {
    const lines = farmLines({ ...farm, error: 'could not read the farm from Redis: connect ECONNREFUSED', queues: [], running: [], workers: [] });
    expect(lines).toEqual(['build farm redis://***@10.0.0.1:6379: could not read the farm from Redis: connect ECONNREFUSED']);
  });

  it('the index page has a Build farm section with queues, running jobs and worker health, only with a farm', () => {
    const page = indexPage(withFarm);
    const section = page.slice(page.indexOf('<h2 id="farm">Build farm</h2>'), page.indexOf('</section>', page.indexOf('id="farm"')));
    expect(section).toContain('<tr><td>freshet-debian-12-amd64</td><td>3</td><td>1</td><td>2</td><td>1</td><td>40</td></tr>');
    expect(section).toContain('<td>hello_debian-12_2.12.4_r1</td><td>build</td><td>hello</td><td>debian-12</td><td>builder-1</td>');
    expect(section).toMatch(/<tr data-worker="builder-1"><td>builder-1<\/td><td class="st-newest"><span class="state">ok<\/span>/);
    expect(section).toContain('<span class="state">lost</span>');
    expect(section).toContain('<span class="state">stopped</span>');
    expect(section).toContain('50.0 GiB');
    // A worker name is text, never markup.
    expect(section).not.toContain(HOSTILE);
    expect(section).toContain('<td>builder-2 &#60;script&#62;');
    expect(indexPage(embedded)).not.toContain('Build farm');
  });

  it('/metrics has the queues by state and each worker\'s health, running jobs and free disk', () => {
    const lines = formatMetrics(collectMetrics(withFarm, fixture.state)).trimEnd().split('\n');
    expect(lines).toContain('freshet_queue_up 1');
    expect(lines).toContain('# TYPE freshet_queue_jobs gauge');
    expect(lines).toContain('freshet_queue_jobs{queue="freshet-debian-12-amd64",state="waiting"} 3');
    expect(lines).toContain('freshet_queue_jobs{queue="freshet-debian-12-amd64",state="active"} 1');
    expect(lines).toContain('freshet_queue_jobs{queue="freshet-debian-12-amd64",state="delayed"} 2');
    expect(lines).toContain('freshet_queue_jobs{queue="freshet-debian-13-amd64",state="completed"} 7');
    expect(lines).toContain('freshet_worker_up{worker="builder-1",health="ok"} 1');
    expect(lines).toContain('freshet_worker_up{worker="builder-2 <script>alert(\\"x\\")</script> & \'quoted\' \\"double\\"",health="lost"} 0');
    expect(lines).toContain('freshet_worker_up{worker="builder-3",health="stopped"} 0');
    // Only live workers count running jobs: a lost worker's are going to another.
    expect(lines.filter((line) => line.startsWith('freshet_worker_running_jobs{'))).toEqual(['freshet_worker_running_jobs{worker="builder-1"} 1']);
    expect(lines).toContain('freshet_worker_free_disk_bytes{worker="builder-1"} 53687091200');
    expect(lines).toContain(`freshet_worker_last_seen_timestamp_seconds{worker="builder-3"} ${Date.parse('2025-05-01T21:00:00Z') / 1000}`);
    const embeddedText = formatMetrics(collectMetrics(embedded, fixture.state));
    expect(embeddedText).not.toContain('freshet_queue');
    expect(embeddedText).not.toContain('freshet_worker');
  });

  it('freshet_queue_up is 0 when Redis could not be read', () => {
    const doc = StatusDocument.parse({ ...embedded, farm: { ...farm, error: 'could not read the farm from Redis: timeout', queues: [], running: [], workers: [] } });
    expect(formatMetrics(collectMetrics(doc, fixture.state)).split('\n')).toContain('freshet_queue_up 0');
  });

  it('formats byte counts', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(53_687_091_200)]).toEqual(['512 B', '1.5 KiB', '50.0 GiB']);
  });
});
