/**
 * Replays real distribution versions and generated pairs, each in both orders, against Debian's
 * and rpm's own comparators; freshet's must agree on every one.
 */
import { describe, expect, it } from 'vitest';
import * as deb from '../../src/versioning/deb.js';
import * as rpm from '../../src/versioning/rpm.js';
import { debCases, invalidDebVersions } from './fixtures/deb-cases.js';
import { generatedDebPairs, generatedRpmPairs } from './fixtures/generated-versions.js';
import { dpkgCompare, dpkgPerlCompare, dpkgPerlValid, rpmLabelCompare, type Pair } from './fixtures/oracles.js';
import { evrCases, fieldCases } from './fixtures/rpm-cases.js';

const MIN_PAIRS = 500;

function inBothOrders(pairs: readonly Pair[]): Pair[] {
  return pairs.flatMap(({ a, b }) => [
    { a, b },
    { a: b, b: a },
  ]);
}

function disagreements(ordered: readonly Pair[], ours: (a: string, b: string) => number, theirs: readonly number[]): string[] {
  return ordered.flatMap(({ a, b }, index) => {
    const mine = ours(a, b);
    return mine === theirs[index] ? [] : [`${a} vs ${b}: freshet ${mine}, reference ${theirs[index]}`];
  });
}

/** Every pair checked in both orders gives opposite answers. */
function antisymmetric(results: readonly number[]): boolean {
  for (let i = 0; i < results.length; i += 2) {
    if (results[i] !== -results[i + 1]!) return false;
  }
  return true;
}

/**
 * Dpkg::Version compares digit runs as Perl numbers, which lose precision past 15 digits; dpkg
 * itself (C) compares them digit by digit, as freshet does. Such pairs go to dpkg itself.
 */
const hasLongNumber = ({ a, b }: Pair) => /\d{16}/.test(a + b);

describe('case 2: Debian comparison agrees with dpkg', () => {
  const real = debCases.map(([a, , b]) => ({ a, b }));
  const pairs = [...real, ...generatedDebPairs(600)].filter((pair) => !hasLongNumber(pair));
  const longNumbers = real.filter(hasLongNumber);
  const ordered = inBothOrders(pairs);

  it(`checks at least ${MIN_PAIRS} pairs in both orders against Dpkg::Version`, async () => {
    expect(pairs.length).toBeGreaterThanOrEqual(MIN_PAIRS);
    expect(ordered.length).toBe(2 * pairs.length);
    const theirs = await dpkgPerlCompare(ordered);
    expect(disagreements(ordered, deb.compare, theirs)).toEqual([]);
    expect(antisymmetric(theirs)).toBe(true);
    // The generated pairs are not all equal or all one-sided.
    expect(new Set(theirs)).toEqual(new Set([-1, 0, 1]));
  });

  it('checks a sample against dpkg --compare-versions itself', async () => {
    const generated = pairs.filter((pair) => !real.includes(pair));
    const sample = inBothOrders([...real.slice(0, 30), ...longNumbers, ...generated.slice(0, 30)]);
    const theirs: number[] = [];
    for (const pair of sample) theirs.push(await dpkgCompare(pair));
    expect(longNumbers.length).toBeGreaterThan(0);
    expect(sample.length).toBeGreaterThanOrEqual(120);
    expect(disagreements(sample, deb.compare, theirs)).toEqual([]);
  });

  it('refuses every version dpkg refuses (freshet is stricter, never looser)', async () => {
    const versions = [...invalidDebVersions, ...pairs.flatMap(({ a, b }) => [a, b])];
    const dpkgValid = await dpkgPerlValid(versions);
    const looser = versions.filter((version, index) => deb.isValid(version) && !dpkgValid[index]);
    expect(looser).toEqual([]);
    expect(dpkgValid.filter((valid) => !valid).length).toBeGreaterThan(5);
  });
});

describe('case 2: RPM comparison agrees with rpm.labelCompare', () => {
  const real = [...fieldCases, ...evrCases].map(([a, , b]) => ({ a, b }));
  const pairs = [...real, ...generatedRpmPairs(600)];
  const ordered = inBothOrders(pairs);

  it(`checks at least ${MIN_PAIRS} pairs in both orders`, async () => {
    expect(pairs.length).toBeGreaterThanOrEqual(MIN_PAIRS);
    expect(ordered.length).toBe(2 * pairs.length);
    expect(ordered.filter(({ a, b }) => !rpm.isValid(a) || !rpm.isValid(b))).toEqual([]);
    const theirs = await rpmLabelCompare(ordered);
    expect(disagreements(ordered, rpm.compare, theirs)).toEqual([]);
    expect(antisymmetric(theirs)).toBe(true);
    expect(new Set(theirs)).toEqual(new Set([-1, 0, 1]));
    // `~` and `^` appear on both sides of the generated pairs, so their rules are exercised.
    expect(pairs.filter(({ a, b }) => a.includes('^') && b.includes('^')).length).toBeGreaterThan(20);
    expect(pairs.filter(({ a, b }) => a.includes('~') && b.includes('~')).length).toBeGreaterThan(20);
  });
});
