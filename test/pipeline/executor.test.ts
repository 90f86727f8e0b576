import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerEngine } from '../../src/build/engine/types.js';
import type { ResolvedConfig } from '../../src/config/load.js';
import { farmExecutor } from '../../src/farm/coordinator/executor.js';
import { inProcessExecutor, isNewRelease, type Executor } from '../../src/pipeline/executor.js';

let stateDir = '';
afterEach(() => {
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

/** The order in which jobs waiting for the executor's slots start, with one slot taken until they are all queued. */
async function startOrder(executor: Executor, jobs: Array<{ name: string; rebuild: number }>): Promise<string[]> {
  const started: string[] = [];
  let free = () => undefined as void;
  const held = executor.schedule(() => new Promise<void>((resolve) => (free = resolve)), { release: false });
  const waiting = jobs.map(({ name, rebuild }) => executor.schedule(async () => void started.push(name), { release: isNewRelease(rebuild) }));
  free();
  await Promise.all([held, ...waiting]);
  return started;
}

// As a run after a template change might queue them: the new upstream releases come last in the plan.
const jobs = [
  { name: 'alpha rebuild', rebuild: 2 },
  { name: 'beta rebuild', rebuild: 4 },
  { name: 'gamma release', rebuild: 1 },
  { name: 'delta rebuild', rebuild: 2 },
  { name: 'epsilon release', rebuild: 1 },
];
const expected = ['gamma release', 'epsilon release', 'alpha rebuild', 'beta rebuild', 'delta rebuild'];

describe('executor slots', () => {
  it('in-process: builds of a new upstream release that wait for a slot go before rebuilds, each in the order queued', async () => {
    const config = { concurrency: { builds: 1 }, stateDir: '/nonexistent' } as ResolvedConfig;
    expect(await startOrder(inProcessExecutor(config, {} as ContainerEngine), jobs)).toEqual(expected);
  });

  it('farm: the coordinator prepares waiting releases first too, so a release late in a long plan does not wait behind every rebuild', async () => {
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'freshet-executor-'));
    // 64 slots: fill all but one, then hold that one.
    const executor = farmExecutor({ stateDir } as ResolvedConfig, 'redis://127.0.0.1:1');
    const busy: Array<() => void> = [];
    const filling = Array.from({ length: 63 }, () => executor.schedule(() => new Promise<void>((resolve) => busy.push(resolve)), { release: false }));
    const order = startOrder(executor, jobs);
    for (const free of busy) free();
    expect(await order).toEqual(expected);
    await Promise.all(filling);
    await executor.close();
  });

  it('counts another attempt at a release (same rebuild number) as a release, and a later rebuild number as a rebuild', () => {
    expect([1, 2, 3].map(isNewRelease)).toEqual([true, false, false]);
  });
});
