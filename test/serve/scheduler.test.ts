import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig, type ResolvedConfig } from '../../src/config/load.js';
import { Config } from '../../src/config/schema.js';
import { setLogSink } from '../../src/core/log.js';
import type { PlannedAction } from '../../src/pipeline/plan.js';
import { PipelineQueue } from '../../src/serve/pipeline-queue.js';
import { scheduleTick, schedulePreview, type TickContext, type WatchAndPlan } from '../../src/serve/scheduler.js';
import { StateStore } from '../../src/state/store.js';
import { buildStatus } from '../../src/report/write.js';
import { statusTable } from '../../src/report/terminal.js';
import { recordServedUrl } from '../../src/serve/served-url.js';

const repo = path.join(import.meta.dirname, '../..');
const SECOND = 1000;
let dir = '';
let config: ResolvedConfig;
let state: StateStore;
let lines: string[] = [];
let restoreSink: (line: string) => void;
const runs: Array<{ recipe: string; noWatch: boolean | undefined }> = [];

const build = (recipe: string, upstreamVersion: string): PlannedAction => ({
  kind: 'build', recipe, targetId: 'debian-12', upstreamVersion, packageVersion: `${upstreamVersion}-0~deb12+freshet1`, rebuild: 1, inputsHash: 'x', why: 'new upstream release',
});

function context(watchAndPlan: WatchAndPlan): TickContext {
  const queue = new PipelineQueue(config, async (_config, options) => void runs.push({ recipe: options.recipes![0]!, noWatch: options.noWatch }), async () => undefined);
  return { config, state, queue, watchAndPlan, writeStatus: async () => undefined, attempted: new Map() };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-scheduler-'));
  mkdirSync(path.join(dir, 'recipes'));
  for (const name of ['libtasn1', 'libgpg-error']) cpSync(path.join(repo, `recipes/${name}.yaml`), path.join(dir, `recipes/${name}.yaml`));
  writeFileSync(path.join(dir, 'recipes/broken.yaml'), 'name: broken\n');
  const raw = {
    recipes: 'recipes', archive: 'archive', state: 'state',
    targets: [{ id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } }],
    schedule: { interval: '10s', jitter: '0%' },
  };
  config = resolveConfig(Config.parse(raw), path.join(dir, 'freshet.config.yaml'));
  state = StateStore.open(config.stateDir);
  lines = [];
  restoreSink = setLogSink((line) => lines.push(line));
  runs.length = 0;
});

afterEach(() => {
  setLogSink(restoreSink);
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the scheduler tick', () => {
  it('checks the recipes that are due, queues the runs their plan calls for, and checks nothing again before the interval', async () => {
    const asked: string[][] = [];
    const tick = context(async (_config, { recipes }) => {
      asked.push(recipes);
      return { watch: recipes.map((recipe) => ({ recipe })), plan: [build('libtasn1', '4.20.0'), { kind: 'skip', recipe: 'libgpg-error', targetId: 'debian-12', why: 'no release' }] };
    });
    const start = new Date('2026-01-01T00:00:00Z');
    const wake = await scheduleTick(tick, start);
    expect(asked).toEqual([['libgpg-error', 'libtasn1']]);
    await tick.queue.whenIdle();
    expect(runs).toEqual([{ recipe: 'libtasn1', noWatch: true }]);
    expect(wake).toEqual(new Date(start.getTime() + 10 * SECOND));
    // A recipe file that does not load is left out of the schedule, not fatal to it.
    expect(lines.some((line) => line.includes('recipe left out of the schedule') && line.includes('broken.yaml'))).toBe(true);

    await scheduleTick(tick, new Date(start.getTime() + 5 * SECOND));
    expect(asked).toHaveLength(1);
    await scheduleTick(tick, new Date(start.getTime() + 10 * SECOND));
    expect(asked).toHaveLength(2);
  });

  it('a check that throws is logged, and the recipes are checked again one interval later', async () => {
    let calls = 0;
    const tick = context(async () => {
      calls += 1;
      if (calls === 1) throw new Error('deb.debian.org: connection refused');
      return { watch: [{ recipe: 'libtasn1', error: 'upstream unavailable' }], plan: [] };
    });
    const start = new Date('2026-01-01T00:00:00Z');
    await scheduleTick(tick, start);
    expect(lines.some((line) => line.startsWith('error: scheduled check failed') && line.includes('connection refused'))).toBe(true);
    await scheduleTick(tick, new Date(start.getTime() + 3 * SECOND));
    expect(calls).toBe(1);
    await scheduleTick(tick, new Date(start.getTime() + 10 * SECOND));
    expect(calls).toBe(2);
    expect(lines.some((line) => line.startsWith('warn: upstream check failed') && line.includes('recipe=libtasn1'))).toBe(true);
    expect(runs).toEqual([]);
  });

  it('the next check of each recipe follows its last recorded check; status.json and freshet status show it while freshet serve runs', async () => {
    state.recordCheck('libtasn1', { ok: true, newest: '4.20.0', checkedAt: '2026-01-01T00:00:00.000Z' });
    expect(schedulePreview(config, state)).toEqual([
      { recipe: 'libgpg-error', nextCheckAt: null },
      { recipe: 'libtasn1', nextCheckAt: '2026-01-01T00:00:10.000Z' },
    ]);
    const now = new Date('2026-01-01T00:00:05Z');
    const withoutServe = await buildStatus(config, state, now, { fingerprint: null });
    expect(withoutServe.recipes.map((recipe) => recipe.nextCheckAt)).toEqual([undefined, undefined]);
    await recordServedUrl(config.stateDir, 'http://127.0.0.1:8780/');
    const doc = await buildStatus(config, state, now, { fingerprint: null });
    expect(doc.recipes.map((recipe) => [recipe.name, recipe.nextCheckAt])).toEqual([
      ['libgpg-error', null],
      ['libtasn1', '2026-01-01T00:00:10.000Z'],
    ]);
    expect(statusTable(doc)).toContain('next checks by freshet serve: libgpg-error now, libtasn1 2026-01-01T00:00:10.000Z');
  });
});
