import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/config/load.js';
import { setLogSink } from '../../src/core/log.js';
import { mainArchive } from '../../src/publish/api.js';
import { publishApt } from '../../src/publish/apt/publish.js';
import { parseRelease, parseReleaseDate } from '../../src/publish/apt/release.js';
import { field } from '../../src/publish/apt/deb822.js';
import { buildStatus } from '../../src/report/write.js';
import { PipelineQueue } from '../../src/serve/pipeline-queue.js';
import { scheduleTick, type TickContext } from '../../src/serve/scheduler.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { createKey } from '../../src/sign/key.js';
import { StateStore } from '../../src/state/store.js';
import { verifyArchive } from '../../src/verify/index.js';
import { makeConfig, makeDeb } from '../publish/fixtures.js';

/**
 * What `freshet serve` keeps up by itself besides building: each APT suite re-signed before its
 * Valid-Until, and a warning before the archive key expires. Real gpg keys, a real published suite.
 */
const DAY = 86_400_000;
const dirs: string[] = [];
let lines: string[] = [];
let restoreSink: (line: string) => void;

async function project(expire: string, archiveInfo: Record<string, unknown> = {}): Promise<{ config: ResolvedConfig; state: StateStore; tick: TickContext }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-upkeep-'));
  dirs.push(dir);
  const config = makeConfig(dir, archiveInfo);
  config.recipesDir = path.join(dir, 'recipes');
  mkdirSync(config.recipesDir);
  await createKey(config.stateDir, { name: 'freshet test', email: 'test@localhost', algorithm: 'ed25519', expire });
  const state = StateStore.open(config.stateDir);
  const queue = new PipelineQueue(config, async () => undefined, async () => undefined);
  const tick: TickContext = { config, state, queue, watchAndPlan: async () => ({ watch: [], plan: [] }), writeStatus: async () => undefined, attempted: new Map() };
  return { config, state, tick };
}

function validUntil(config: ResolvedConfig, suite: string): Date {
  return parseReleaseDate(field(parseRelease(readFileSync(path.join(config.archiveDir, 'dists', suite, 'Release'), 'utf8')), 'Valid-Until'))!;
}

beforeEach(() => {
  lines = [];
  restoreSink = setLogSink((line) => lines.push(line));
});

afterEach(() => setLogSink(restoreSink));

afterAll(async () => {
  for (const dir of dirs) {
    await stopAgent(gnupgHome(path.join(dir, 'state')));
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('freshet serve upkeep', () => {
  it('re-signs a suite once less than schedule.resignBefore remains of its Valid-Until, and leaves a fresh one alone', async () => {
    const { config, state, tick } = await project('2y');
    const archive = mainArchive(config);
    const now = new Date();
    const deb = await makeDeb(path.join(config.root, 'debs'), { name: 'hello-data', version: '1.0-1' });
    // bookworm was last signed six days ago (7 days valid: one left); trixie just now.
    await publishApt({ config, archive, suite: 'bookworm', add: [{ artifacts: [deb] }], now: () => new Date(now.getTime() - 6 * DAY) });
    await publishApt({ config, archive, suite: 'trixie', add: [{ artifacts: [deb] }], now: () => now });
    const trixieBefore = readFileSync(path.join(config.archiveDir, 'dists/trixie/InRelease'), 'utf8');
    expect(validUntil(config, 'bookworm').getTime() - now.getTime()).toBeLessThan(config.schedule.resignBeforeMs);

    await scheduleTick(tick, now);
    expect(validUntil(config, 'bookworm').getTime()).toBe(Math.floor(now.getTime() / 1000) * 1000 + 7 * DAY);
    expect(readFileSync(path.join(config.archiveDir, 'dists/trixie/InRelease'), 'utf8')).toBe(trixieBefore);
    expect(lines.some((line) => line.startsWith('suites re-signed before Valid-Until') && line.includes('bookworm') && !line.includes('trixie'))).toBe(true);
    expect(await verifyArchive(config.archiveDir, path.join(config.archiveDir, 'freshet-archive-keyring.gpg'))).toEqual([]);
    state.close();
  });

  it('warns in the log (once a day) and in status.json from signing.expiryWarningDays before the archive key expires', async () => {
    const { config, state, tick } = await project('3d');
    const now = new Date();
    await scheduleTick(tick, now);
    await scheduleTick(tick, new Date(now.getTime() + 60_000));
    expect(lines.filter((line) => line.startsWith('warn: archive signing key expires soon'))).toHaveLength(1);
    const doc = await buildStatus(config, state, now);
    expect(Date.parse(doc.archive.keyExpiresAt!) - now.getTime()).toBeGreaterThan(2 * DAY);
    expect(doc.archive.keyWarning).toMatch(/expires on .* \(2 days left\)/);

    // Two days' warning: none yet for a key with three left.
    config.keyWarningDays = 2;
    expect((await buildStatus(config, state, now)).archive.keyWarning).toBeNull();
    state.close();
  });
});
