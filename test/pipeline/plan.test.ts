import { describe, expect, it } from 'vitest';
import { planAction, type RecipeSnapshot, type TargetSnapshot } from '../../src/pipeline/plan.js';
import type { Target } from '../../src/types.js';

const debian12: Target = { id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm' };
const hello: RecipeSnapshot = {
  name: 'hello',
  skip: {},
  inputsHash: { 'debian-12': 'h1' },
  newest: { upstreamVersion: '2.12.3', seenAt: '2026-01-01T00:00:00Z' },
};
const empty: TargetSnapshot = { shipped: '2.10-3', published: undefined, lastBuild: undefined, highestRebuild: 0 };

describe('planAction', () => {
  it('builds a release that the target ships an older version of', () => {
    expect(planAction(hello, debian12, empty)).toMatchObject({
      kind: 'build',
      packageVersion: '2.12.3-0~deb12+freshet1',
      rebuild: 1,
      why: 'not published yet',
    });
  });

  it('does nothing when the same release and inputs are published', () => {
    const snapshot: TargetSnapshot = {
      ...empty,
      published: { upstreamVersion: '2.12.3', packageVersion: '2.12.3-0~deb12+freshet1', inputsHash: 'h1' },
      lastBuild: { upstreamVersion: '2.12.3', rebuild: 1, status: 'ok', inputsHash: 'h1', gate: 'passed' },
      highestRebuild: 1,
    };
    expect(planAction(hello, debian12, snapshot)).toMatchObject({ kind: 'up-to-date' });
  });

  it('rebuilds with the next rebuild number when the recipe changed', () => {
    const snapshot: TargetSnapshot = {
      ...empty,
      published: { upstreamVersion: '2.12.3', packageVersion: '2.12.3-0~deb12+freshet1', inputsHash: 'old' },
      lastBuild: { upstreamVersion: '2.12.3', rebuild: 1, status: 'ok', inputsHash: 'old', gate: 'passed' },
      highestRebuild: 1,
    };
    expect(planAction(hello, debian12, snapshot)).toMatchObject({ kind: 'build', rebuild: 2, packageVersion: '2.12.3-0~deb12+freshet2', why: 'the recipe or templates changed' });
  });

  it('resumes an interrupted build', () => {
    const snapshot: TargetSnapshot = { ...empty, lastBuild: { upstreamVersion: '2.12.3', rebuild: 1, status: 'interrupted', inputsHash: 'h1' }, highestRebuild: 1 };
    expect(planAction(hello, debian12, snapshot)).toMatchObject({ kind: 'build', rebuild: 2, why: 'the previous build was interrupted' });
  });

  it('case 42: builds a recipe change again when its build did not finish, at whatever step it stopped', () => {
    // rebuild 1 is live with the old recipe; rebuild 2 of the changed recipe stopped somewhere.
    const published = { upstreamVersion: '2.12.3', packageVersion: '2.12.3-0~deb12+freshet1', inputsHash: 'old' };
    const stopped = { upstreamVersion: '2.12.3', rebuild: 2, inputsHash: 'h1' };
    const cases: Array<[NonNullable<TargetSnapshot['lastBuild']>, string]> = [
      [{ ...stopped, status: 'running' }, 'the previous build has not finished (a freshet is still running it)'],
      [{ ...stopped, status: 'interrupted' }, 'the previous build was interrupted'],
      [{ ...stopped, status: 'ok' }, 'the previous build was interrupted before its gate finished'],
      [{ ...stopped, status: 'ok', gate: 'passed' }, 'the previous build passed its gate but was not published'],
    ];
    for (const [lastBuild, why] of cases) {
      expect(planAction(hello, debian12, { ...empty, published, lastBuild, highestRebuild: 2 })).toEqual({
        kind: 'build',
        recipe: 'hello',
        targetId: 'debian-12',
        upstreamVersion: '2.12.3',
        packageVersion: '2.12.3-0~deb12+freshet3',
        rebuild: 3,
        attempt: 1,
        inputsHash: 'h1',
        why,
      });
    }
    // Changing the recipe back to what is live needs nothing built.
    expect(planAction({ ...hello, inputsHash: { 'debian-12': 'old' } }, debian12, { ...empty, published, lastBuild: { ...stopped, status: 'interrupted' }, highestRebuild: 2 })).toMatchObject({
      kind: 'up-to-date',
      packageVersion: '2.12.3-0~deb12+freshet1',
    });
  });

  it('does not retry the same failed inputs unless asked', () => {
    // A failed build consumes no rebuild number (StateStore.nextRebuild): the retry is attempt 2 at freshet1.
    const snapshot: TargetSnapshot = { ...empty, lastBuild: { upstreamVersion: '2.12.3', rebuild: 1, status: 'failed', inputsHash: 'h1' }, highestRebuild: 0, failedAttempts: 1 };
    expect(planAction(hello, debian12, snapshot)).toMatchObject({ kind: 'failed-before' });
    expect(planAction(hello, debian12, snapshot, { retryFailed: true })).toMatchObject({ kind: 'build', rebuild: 1, attempt: 2, packageVersion: '2.12.3-0~deb12+freshet1' });
    const gateFailed: TargetSnapshot = { ...snapshot, lastBuild: { ...snapshot.lastBuild!, status: 'ok', gate: 'failed' } };
    expect(planAction(hello, debian12, gateFailed)).toMatchObject({ kind: 'failed-before' });
  });

  it('leaves a release alone when the distribution ships it or a newer one', () => {
    expect(planAction(hello, debian12, { ...empty, shipped: '2.12.3-1' })).toMatchObject({ kind: 'distro-current', shipped: '2.12.3-1' });
    expect(planAction(hello, debian12, { ...empty, shipped: '1:2.13-1' })).toMatchObject({ kind: 'distro-current' });
  });

  it('skips with the recipe override reason, or when no release is known', () => {
    expect(planAction({ ...hello, skip: { 'debian-12': 'needs a newer meson' } }, debian12, empty)).toMatchObject({ kind: 'skip', why: 'needs a newer meson' });
    expect(planAction({ ...hello, newest: undefined }, debian12, empty)).toMatchObject({ kind: 'skip' });
  });

  it('keeps the shipped epoch so the package still sorts above the distribution', () => {
    expect(planAction(hello, debian12, { ...empty, shipped: '1:2.10-3' })).toMatchObject({ packageVersion: '1:2.12.3-0~deb12+freshet1' });
  });
});
