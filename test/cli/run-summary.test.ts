import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/cli/actions/run.js';
import type { RunSummary } from '../../src/pipeline/run.js';

describe('freshet run summary', () => {
  it('reports a build that failed before as failed and waiting, with how to retry, not as nothing to do', () => {
    const summary = {
      watch: [],
      plan: [
        { kind: 'failed-before', recipe: 'tmux', targetId: 'debian-12', upstreamVersion: '3.5a', why: 'the same inputs failed before; change the recipe or pass --retry-failed' },
        { kind: 'up-to-date', recipe: 'hello', targetId: 'debian-12', upstreamVersion: '2.12.3', packageVersion: '2.12.3-0~deb12+freshet1' },
      ],
      order: [],
      jobs: [],
      published: [],
      resigned: [],
      failed: false,
    } as RunSummary;
    const text = summarize(summary, false);
    expect(text).toContain('tmux debian-12: 3.5a FAILED before, waiting: change the recipe, or run freshet run --retry-failed tmux');
    expect(text).toContain('0 builds, 0 published, 1 with nothing to do, 1 failed and waiting');
  });

  it('case 57: counts a rebuild that followed a library and was not needed as nothing to do, not as a build', () => {
    const rebuild = { kind: 'build', recipe: 'tock', targetId: 'debian-12', upstreamVersion: '1.0', packageVersion: '1.0-0~deb12+freshet4', rebuild: 4, inputsHash: 't', why: 'rebuilt against libtick 2.1 only if …', onlyIf: ['libtick'] } as const;
    const library = { kind: 'build', recipe: 'libtick', targetId: 'debian-12', upstreamVersion: '2.1', packageVersion: '2.1-0~deb12+freshet2', rebuild: 2, inputsHash: 'l', why: 'the recipe or templates changed' } as const;
    const summary = {
      watch: [],
      plan: [library, rebuild],
      order: [],
      jobs: [
        { action: library, buildId: 'libtick_debian-12_2.1_r2', status: 'published' },
        { action: rebuild, buildId: 'tock_debian-12_1.0_r4', status: 'unchanged', error: 'not rebuilt: libtick changed nothing it links against' },
      ],
      published: [],
      resigned: [],
      failed: false,
    } as RunSummary;
    const text = summarize(summary, false);
    expect(text).toContain('tock debian-12 1.0-0~deb12+freshet4: unchanged: not rebuilt: libtick changed nothing it links against');
    expect(text).toContain('1 builds, 1 published, 1 with nothing to do');
  });
});
