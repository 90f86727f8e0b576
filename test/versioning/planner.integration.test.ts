/**
 * The version scheme's promises (docs/versioning.md), checked with the comparators apt and dnf
 * actually use: every `lower < higher` ordering of fixtures/planner-properties.ts, in both orders.
 */
import { describe, expect, it } from 'vitest';
import { orderings, type Ordering } from './fixtures/planner-properties.js';
import { dpkgCompare, dpkgPerlCompare, rpmLabelCompare, type Pair } from './fixtures/oracles.js';

function bothOrders(list: readonly Ordering[]): Pair[] {
  return list.flatMap(({ lower, higher }) => [
    { a: lower, b: higher },
    { a: higher, b: lower },
  ]);
}

function broken(list: readonly Ordering[], results: readonly number[]): string[] {
  return list.flatMap((ordering, index) =>
    results[2 * index] === -1 && results[2 * index + 1] === 1 ? [] : [`(${ordering.property}) ${ordering.why}: ${ordering.lower} < ${ordering.higher}`],
  );
}

const all = orderings();
const debOrderings = all.filter((o) => o.family === 'deb');
const rpmOrderings = all.filter((o) => o.family === 'rpm');

describe('version scheme properties', () => {
  it('hold for Debian 12→13 and Ubuntu 22.04→24.04 under Dpkg::Version', async () => {
    expect(debOrderings.some((o) => o.why.startsWith('ubuntu-22.04'))).toBe(true);
    expect(debOrderings.some((o) => o.lower.includes(':') && o.lower.includes('~rc'))).toBe(true);
    expect(broken(debOrderings, await dpkgPerlCompare(bothOrders(debOrderings)))).toEqual([]);
  });

  it('hold under dpkg --compare-versions for each property (a sample)', async () => {
    const sample = (['a', 'b', 'c', 'd', 'pre'] as const).flatMap((property) =>
      debOrderings.filter((o) => o.property === property).filter((_o, index) => index % 7 === 0),
    );
    const results: number[] = [];
    for (const pair of bothOrders(sample)) results.push(await dpkgCompare(pair));
    expect(sample.length).toBeGreaterThan(20);
    expect(broken(sample, results)).toEqual([]);
  });

  it('hold for Fedora 41→42 and rpm on Debian 12→13 under rpm.labelCompare', async () => {
    expect(rpmOrderings.some((o) => o.higher.includes('fc42'))).toBe(true);
    expect(rpmOrderings.some((o) => o.lower.includes(':') && o.lower.includes('~rc'))).toBe(true);
    expect(broken(rpmOrderings, await rpmLabelCompare(bothOrders(rpmOrderings)))).toEqual([]);
  });
});
