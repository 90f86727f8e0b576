import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attemptOf, buildId } from '../../src/pipeline/layout.js';
import { planAction, type RecipeSnapshot, type TargetSnapshot } from '../../src/pipeline/plan.js';
import { StateStore } from '../../src/state/store.js';
import type { Target } from '../../src/types.js';

/**
 * With a build farm, a coordinator restarted mid-run takes up the builds it left unfinished under
 * their own build ids (the farm's job ids), so the farm's finished or running jobs are used, not
 * built again (case 55). In this process nothing of an interrupted build survives: the next number.
 */
const debian12: Target = { id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm' };
const hello: RecipeSnapshot = { name: 'hello', skip: {}, inputsHash: { 'debian-12': 'h1' }, newest: { upstreamVersion: '2.12.3', seenAt: '2026-01-01T00:00:00Z' } };
const base: TargetSnapshot = { shipped: '2.10-3', published: undefined, lastBuild: undefined, highestRebuild: 1 };
const last = (status: 'interrupted' | 'ok' | 'running' | 'failed', gate?: 'passed' | 'failed', inputsHash = 'h1') => ({
  ...base,
  lastBuild: { upstreamVersion: '2.12.3', rebuild: 1, attempt: 2, status, inputsHash, gate },
});

describe('planAction with resumeUnfinished (a build farm)', () => {
  it.each([
    ['interrupted mid-build', last('interrupted')],
    ['built, stopped before its gate finished', last('ok')],
    ['gated, stopped before the publish', last('ok', 'passed')],
  ])('case 55: a build %s is taken up under its own id', (_, snapshot) => {
    const action = planAction(hello, debian12, snapshot, { resumeUnfinished: true });
    expect(action).toMatchObject({ kind: 'build', rebuild: 1, attempt: 2, packageVersion: '2.12.3-0~deb12+freshet1' });
    expect(action.kind === 'build' && buildId('hello', 'debian-12', action.upstreamVersion, action.rebuild, action.attempt)).toBe('hello_debian-12_2.12.3_r1.2');
  });

  it('case 55: without a farm, an interrupted build gets the next rebuild number', () => {
    expect(planAction(hello, debian12, last('interrupted'))).toMatchObject({ kind: 'build', rebuild: 2, packageVersion: '2.12.3-0~deb12+freshet2' });
  });

  it('case 55: changed inputs, a failed build, or a build another freshet still runs are not taken up', () => {
    for (const snapshot of [last('interrupted', undefined, 'other'), last('failed'), last('running')]) {
      const action = planAction(hello, debian12, snapshot, { resumeUnfinished: true, retryFailed: true });
      expect(action.kind === 'build' && action.why).not.toMatch(/taken up/);
      expect(action).not.toMatchObject({ rebuild: 1, attempt: 2 });
    }
  });

  it('reads the attempt back from a build id', () => {
    expect(attemptOf(buildId('hello', 'debian-12', '2.12.3', 1))).toBe(1);
    expect(attemptOf(buildId('hello', 'debian-12', '2.12.3', 4, 3))).toBe(3);
    expect(attemptOf('lua_debian-12-rpm_5.4.7_r12.10')).toBe(10);
  });
});

describe('StateStore.startBuild of a build taken up', () => {
  it('case 55: starts it again under its id, running, its earlier end forgotten', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshet-resume-'));
    const state = StateStore.open(dir);
    try {
      const build = { id: 'hello_debian-12_2.12.3_r1', recipe: 'hello', targetId: 'debian-12', upstreamVersion: '2.12.3', packageVersion: '2.12.3-0~deb12+freshet1', rebuild: 1, logFile: '/l', inputsHash: 'h1' };
      state.startBuild({ ...build, startedAt: '2026-01-01T00:00:00.000Z' });
      state.interruptBuild(build.id, '2026-01-01T00:01:00.000Z');
      expect(state.build(build.id)?.status).toBe('interrupted');
      state.startBuild({ ...build, startedAt: '2026-01-01T00:02:00.000Z' });
      expect(state.build(build.id)).toMatchObject({ status: 'running', startedAt: '2026-01-01T00:02:00.000Z', finishedAt: null, error: null });
      expect(state.builds({ recipe: 'hello' })).toHaveLength(1);
    } finally {
      state.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
