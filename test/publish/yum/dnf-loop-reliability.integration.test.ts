import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/load.js';
import { dnfClient } from '../../../src/gate/rpm/dnf.js';
import { publisherFor } from '../../../src/publish/api.js';
import type { ArchiveLocation } from '../../../src/publish/types.js';
import type { RunningServer } from '../../../src/serve/static.js';
import { KEYRING_ASC } from '../../../src/sign/key.js';
import type { BuildArtifact } from '../../../src/types.js';
import { verifyArchive } from '../../../src/verify/index.js';
import { makeRpms } from './rpms.js';
import { servedArchive, type ServedArchive } from './served-archive.js';

/**
 * RELIABILITY case 29: `dnf makecache` (gpgcheck and repo_gpgcheck on, metadata_expire=0) in a
 * loop against a loopback server while publishes and re-signs run back to back: dnf never sees a
 * 404 or a bad signature, and the archive check passes after every publish.
 */
let dir: string;
let config: ResolvedConfig;
let archive: ArchiveLocation;
let server: RunningServer;
const REPO = 'debian-12-rpm';
const VERSIONS = 8;

let served: ServedArchive;

interface Interval {
  start: number;
  end: number;
}

async function timed<T>(intervals: Interval[], work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    intervals.push({ start, end: performance.now() });
  }
}

beforeAll(async () => {
  served = await servedArchive('freshet-yum-loop-');
  ({ dir, config, archive, server } = served);
});

afterAll(() => served?.close());

const publish = (artifacts: BuildArtifact[]) => publisherFor('rpm').publish({ config, archive, suite: REPO, add: [{ artifacts, recipe: 'loop', targetId: REPO }] });

describe('dnf during YUM publishes', () => {
  it('case 29: sees no 404 and no signature error while publishes and re-signs run back to back', async () => {
    const builds: BuildArtifact[][] = [];
    for (let version = 1; version <= VERSIONS; version += 1) builds.push(await makeRpms(path.join(dir, 'rpms'), { prefix: 'loop', count: 2, version: `1.${version}` }));
    await publish(builds[0]!);
    const dnf = dnfClient(path.join(dir, 'dnf'), { id: 'freshet', baseurl: new URL(`rpm/${REPO}/`, server.url).href, gpgkey: new URL(KEYRING_ASC, server.url).href, releasever: '12' });

    let publishing = true;
    const failures: string[] = [];
    let refreshes = 0;
    // When each makecache and each publish or re-sign ran, to show they overlapped.
    const makecaches: Interval[] = [];
    const publishes: Interval[] = [];
    const clientLoop = (async () => {
      // At least a few refreshes even if the publishes finish first; bounded by the publishes otherwise.
      while (publishing || refreshes < 3) {
        const started = performance.now();
        const result = await dnf.dnf(['makecache', '--repo', 'freshet', '--refresh'], { allowFailure: true });
        makecaches.push({ start: started, end: performance.now() });
        refreshes += 1;
        if (result.exitCode !== 0 || /404|signature|Curl error|Failed|Error/i.test(result.stderr)) failures.push(`makecache #${refreshes}: ${result.tail}`);
        const query = await dnf.dnf(['repoquery', '--repo', 'freshet', '-C', '--qf', '%{name} %{version}'], { allowFailure: true });
        if (query.exitCode !== 0 || !/^loop0 1\.\d+$/m.test(query.stdout)) failures.push(`repoquery #${refreshes}: ${query.tail}`);
      }
    })();

    const problems: string[] = [];
    try {
      for (let index = 1; index < VERSIONS; index += 1) {
        await timed(publishes, () => publish(builds[index]!));
        problems.push(...(await verifyArchive(archive.root)).map((problem) => `after publish ${index}: ${problem.file}: ${problem.message}`));
        if (index % 3 === 0) {
          await timed(publishes, () => publisherFor('rpm').resign({ config, archive, suite: REPO }));
          problems.push(...(await verifyArchive(archive.root)).map((problem) => `after re-sign ${index}: ${problem.file}: ${problem.message}`));
        }
      }
    } finally {
      publishing = false;
      await clientLoop;
    }
    // A makecache that started and finished while publishes were running, and overlapped at least one.
    const [first, last] = [publishes[0]!, publishes.at(-1)!];
    const overlapping = makecaches.filter(
      (run) => run.start >= first.start && run.end <= last.end && publishes.some((step) => run.start < step.end && run.end > step.start),
    );
    const insideOne = makecaches.filter((run) => publishes.some((step) => run.start >= step.start && run.end <= step.end));
    console.log(
      `dnf during ${VERSIONS - 1} YUM publishes and ${publishes.length - (VERSIONS - 1)} re-signs: ${refreshes} makecache+repoquery rounds, ` +
        `${overlapping.length} makecache inside the publishing and overlapping a publish, ${insideOne.length} wholly inside one publish, ${failures.length} errors`,
    );
    expect(problems).toEqual([]);
    expect(failures).toEqual([]);
    expect(refreshes).toBeGreaterThanOrEqual(3);
    // Without this the loop could pass with every makecache before or after the publishes.
    expect(overlapping.length).toBeGreaterThan(0);
    const final = await dnf.dnf(['repoquery', '--repo', 'freshet', '--refresh', '--qf', '%{name} %{version}']);
    expect(final.stdout).toMatch(new RegExp(`^loop0 1\\.${VERSIONS}$`, 'm'));
  });
});
