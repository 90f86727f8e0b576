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
});
