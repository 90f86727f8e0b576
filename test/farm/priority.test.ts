import { describe, expect, it } from 'vitest';
import { farmJobPriority } from '../../src/farm/coordinator/priority.js';
import type { BuildSpec, GateSpec } from '../../src/farm/protocol.js';

const build = (recipe: string, rebuild: number) => ({ kind: 'build', id: `${recipe}_debian-12_1.0_r${rebuild}`, recipe, rebuild }) as BuildSpec;
const gate = (recipe: string, rebuild: number) => ({ kind: 'gate', id: `${recipe}_debian-12_1.0_r${rebuild}.gate`, buildId: `${recipe}_debian-12_1.0_r${rebuild}` }) as GateSpec;

describe('farm job priority', () => {
  it('takes gates first, then builds of a new upstream release, then rebuilds (lower goes first)', () => {
    const jobs = [build('templated', 3), build('followed', 2), build('fresh', 1), gate('rebuilt', 2), gate('fresh', 1)];
    const order = jobs.map((spec, queued) => ({ spec, queued, priority: farmJobPriority(spec) }))
      .sort((a, b) => a.priority - b.priority || a.queued - b.queued)
      .map(({ spec }) => spec.id);
    expect(order).toEqual([
      'rebuilt_debian-12_1.0_r2.gate',
      'fresh_debian-12_1.0_r1.gate',
      'fresh_debian-12_1.0_r1',
      'templated_debian-12_1.0_r3',
      'followed_debian-12_1.0_r2',
    ]);
  });

  it('gives every job a priority, since BullMQ hands out jobs without one before all others', () => {
    for (const spec of [build('a', 1), build('a', 2), gate('a', 1)]) expect(farmJobPriority(spec)).toBeGreaterThan(0);
  });

  it('counts another attempt at a release build (same rebuild number) as a release', () => {
    expect(farmJobPriority({ ...build('fresh', 1), id: 'fresh_debian-12_1.0_r1.2' })).toBe(farmJobPriority(build('fresh', 1)));
  });
});
