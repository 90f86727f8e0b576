import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import * as deb from '../../src/versioning/deb.js';
import { planVersion, type PlanTarget } from '../../src/versioning/planner.js';
import * as rpm from '../../src/versioning/rpm.js';
import { orderings } from './fixtures/planner-properties.js';

const debian12: PlanTarget = { id: 'debian-12', family: 'deb', distro: 'debian', release: '12' };
const debian13: PlanTarget = { id: 'debian-13', family: 'deb', distro: 'debian', release: '13' };
const ubuntu2404: PlanTarget = { id: 'ubuntu-24.04', family: 'deb', distro: 'ubuntu', release: '24.04' };
const fedora41: PlanTarget = { id: 'fedora-41', family: 'rpm', distro: 'fedora', release: '41' };
const debian12Rpm: PlanTarget = { id: 'debian-12-rpm', family: 'rpm', distro: 'debian', release: '12' };

describe('planVersion', () => {
  it('gives Debian targets [epoch:]upstream-0~debNN+freshetR', () => {
    expect(planVersion({ upstreamVersion: '2.12.3', target: debian12, rebuild: 1 })).toEqual({
      family: 'deb',
      full: '2.12.3-0~deb12+freshet1',
      epoch: 0,
      version: '2.12.3',
      release: '0~deb12+freshet1',
      tag: 'deb12',
      shippedIsNewerOrSame: false,
    });
    expect(planVersion({ upstreamVersion: 'v2.0-rc1', target: debian13, rebuild: 2 }).full).toBe('2.0~rc1-0~deb13+freshet2');
  });

  it('gives Ubuntu targets the ubuntuYY.MM tag', () => {
    expect(planVersion({ upstreamVersion: '2.12.3', target: ubuntu2404, rebuild: 3 }).full).toBe('2.12.3-0~ubuntu24.04+freshet3');
  });

  it('gives RPM targets Release 0.<tag>.freshetR', () => {
    const plan = planVersion({ upstreamVersion: '2.0rc1', target: fedora41, rebuild: 1 });
    expect(plan).toMatchObject({ family: 'rpm', full: '2.0~rc1-0.fc41.freshet1', version: '2.0~rc1', release: '0.fc41.freshet1', tag: 'fc41' });
    expect(planVersion({ upstreamVersion: '2.12.3', target: debian12Rpm, rebuild: 4 }).full).toBe('2.12.3-0.deb12.freshet4');
  });

  it('writes a - of the upstream version as . in an RPM Version', () => {
    expect(planVersion({ upstreamVersion: '7.1.1-29', target: fedora41, rebuild: 1 }).version).toBe('7.1.1.29');
    expect(planVersion({ upstreamVersion: '7.1.1-29', target: debian12, rebuild: 1 }).full).toBe('7.1.1-29-0~deb12+freshet1');
  });

  it('carries over the epoch of what the target ships', () => {
    const debPlan = planVersion({ upstreamVersion: '2.12.3', target: debian12, rebuild: 1, shipped: '1:2.10-3' });
    expect(debPlan).toMatchObject({ full: '1:2.12.3-0~deb12+freshet1', epoch: 1, shippedIsNewerOrSame: false });
    const rpmPlan = planVersion({ upstreamVersion: '2.12.3', target: fedora41, rebuild: 1, shipped: '2:2.10-3.fc41' });
    expect(rpmPlan).toMatchObject({ full: '2:2.12.3-0.fc41.freshet1', epoch: 2 });
    expect(planVersion({ upstreamVersion: '2.12.3', target: debian12, rebuild: 1, shipped: '0:2.10-3' }).full).toBe('2.12.3-0~deb12+freshet1');
  });

  it('reads what Debian ships as a Debian version on rpm-on-Debian targets', () => {
    const plan = planVersion({ upstreamVersion: '2.12.3', target: debian12Rpm, rebuild: 1, shipped: '1:2.10-beta-3+deb12u1' });
    expect(plan).toMatchObject({ full: '1:2.12.3-0.deb12.freshet1', shippedIsNewerOrSame: false });
    expect(planVersion({ upstreamVersion: '2.12.3', target: debian12Rpm, rebuild: 1, shipped: '2.12.3-1~bpo12+1' }).shippedIsNewerOrSame).toBe(true);
    expect(() => planVersion({ upstreamVersion: '2.12.3', target: debian12Rpm, rebuild: 1, shipped: '2.12.3_1' })).toThrow(/not a valid Debian version/);
  });

  it.each([
    { target: debian12, shipped: '2.12.3-1', newerOrSame: true },
    { target: debian12, shipped: '1:2.12.3-1', newerOrSame: true },
    { target: debian12, shipped: '2.12.3+dfsg-1', newerOrSame: true },
    { target: debian12, shipped: '2.13-1', newerOrSame: true },
    { target: debian12, shipped: '2.12.3~rc1-1', newerOrSame: false },
    { target: debian12, shipped: '2.12.2-9+deb12u1', newerOrSame: false },
    { target: fedora41, shipped: '2.12.3-1.fc41', newerOrSame: true },
    { target: fedora41, shipped: '2.12.3^20240101git1-1.fc41', newerOrSame: true },
    { target: fedora41, shipped: '2.12.2-1.fc41', newerOrSame: false },
    { target: fedora41, shipped: '2.12.3~rc1-1.fc41', newerOrSame: false },
  ])('$target.id ships $shipped: shippedIsNewerOrSame is $newerOrSame for 2.12.3', ({ target, shipped, newerOrSame }) => {
    expect(planVersion({ upstreamVersion: '2.12.3', target, rebuild: 1, shipped }).shippedIsNewerOrSame).toBe(newerOrSame);
  });

  it('is never newer-or-same when nothing is shipped', () => {
    expect(planVersion({ upstreamVersion: '0.1', target: debian12, rebuild: 1 }).shippedIsNewerOrSame).toBe(false);
  });
});

describe('planVersion input checks', () => {
  it.each(['$(reboot)', '-1.0', '1.0\n', 'x'.repeat(101), 'release-1.0', '1_2_3', 'abc'])('refuses upstream version %j', (upstreamVersion) => {
    expect(() => planVersion({ upstreamVersion, target: debian12, rebuild: 1 })).toThrow(UserError);
    expect(() => planVersion({ upstreamVersion, target: debian12, rebuild: 1 })).toThrow(JSON.stringify(upstreamVersion));
  });

  it('names the target and the value', () => {
    expect(() => planVersion({ upstreamVersion: '1_2_3', target: debian12, rebuild: 1 })).toThrow(/debian-12: upstream version "1_2_3"/);
    expect(() => planVersion({ upstreamVersion: '1.0', target: debian12, rebuild: 1, shipped: '1.0-' })).toThrow(/debian-12: the shipped version "1.0-"/);
    expect(() => planVersion({ upstreamVersion: '1.0', target: fedora41, rebuild: 1, shipped: '1.0-1-2' })).toThrow(/fedora-41: the shipped version "1.0-1-2"/);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses rebuild number %s', (rebuild) => {
    expect(() => planVersion({ upstreamVersion: '1.0', target: debian12, rebuild })).toThrow(/rebuild number/);
  });

  it.each([
    { id: 'fedora-41-deb', family: 'deb', distro: 'fedora', release: '41' },
    { id: 'ubuntu-24.04-rpm', family: 'rpm', distro: 'ubuntu', release: '24.04' },
    { id: 'ubuntu-24', family: 'deb', distro: 'ubuntu', release: '24' },
    { id: 'debian-x', family: 'deb', distro: 'debian', release: '12; rm' },
  ] as PlanTarget[])('refuses target $id', (target) => {
    expect(() => planVersion({ upstreamVersion: '1.0', target, rebuild: 1 })).toThrow(new RegExp(`target ${target.id}: no version scheme`));
  });
});

describe('scheme properties with freshet comparators', () => {
  const all = orderings();

  it('covers (a)-(d) and pre-releases for both families', () => {
    for (const family of ['deb', 'rpm'] as const) {
      for (const property of ['a', 'b', 'c', 'd', 'pre'] as const) {
        expect(all.filter((o) => o.family === family && o.property === property).length).toBeGreaterThan(3);
      }
    }
  });

  it.each(all)('($property) $why: $lower < $higher', ({ family, lower, higher }) => {
    const compare = family === 'deb' ? deb.compare : rpm.compare;
    expect(compare(lower, higher)).toBe(-1);
    expect(compare(higher, lower)).toBe(1);
  });
});
