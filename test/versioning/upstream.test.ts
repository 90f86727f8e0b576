import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { compare as debCompare } from '../../src/versioning/deb.js';
import {
  assertSafeVersionString,
  isPrerelease,
  isSafeVersionString,
  normalizeUpstream,
  upstreamCompare,
} from '../../src/versioning/upstream.js';
import { bothOrders } from './fixtures/orders.js';
import type { Case } from './fixtures/deb-cases.js';

// RELIABILITY case 1: hostile version strings are refused before anything uses them.
const hostile = [
  '$(reboot)',
  '1.0$(id)',
  '`id`',
  '1.0`touch x`',
  '1.0\n2.0',
  '1.0\r',
  '-1.0',
  '--help',
  '1.0 2.0',
  '1.0;rm',
  '../1.0',
  '1.0/../../etc',
  '1.0:1',
  '1.0%{lua:os.exit()}',
  "1.0'",
  '',
  '1'.repeat(101),
  `1.${'0'.repeat(298)}`,
];

describe('isSafeVersionString', () => {
  it.each(hostile)('case 1: refuses %j', (version) => {
    expect(isSafeVersionString(version)).toBe(false);
    expect(() => normalizeUpstream(version)).toThrow(UserError);
    expect(() => normalizeUpstream(version)).toThrow(`upstream: refusing version ${JSON.stringify(version.slice(0, 120))}`);
  });

  it('case 2: refuses values that are not strings (an unquoted YAML 1.10 is the number 1.1)', () => {
    expect(isSafeVersionString(1.1)).toBe(false);
    expect(() => assertSafeVersionString(1.1, 'github:owner/repo')).toThrow(/github:owner\/repo: refusing version 1.1/);
  });

  it.each(['1.0', 'v2.0', '2.0-rc1', '1.0+dfsg', '1.0~rc1', '1_2_3', 'release-1.0', '1'.repeat(100)])('accepts %s', (version) => {
    expect(isSafeVersionString(version)).toBe(true);
  });

  it('case 1: cuts an overlong hostile string in its error message', () => {
    const error = (() => {
      try {
        assertSafeVersionString(`$(x)${'a'.repeat(1000)}`);
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error?.message.length).toBeLessThan(200);
  });
});

describe('normalizeUpstream', () => {
  it.each([
    ['2.0-rc1', '2.0~rc1'],
    ['2.0rc1', '2.0~rc1'],
    ['2.0.rc1', '2.0~rc1'],
    ['2.0_rc1', '2.0~rc1'],
    ['2.0-RC1', '2.0~rc1'],
    ['2.0-beta.2', '2.0~beta.2'],
    ['3.0.0-alpha', '3.0.0~alpha'],
    ['1.0.dev0', '1.0~dev0'],
    ['1.0pre3', '1.0~pre3'],
    ['2.0-preview3', '2.0~preview3'],
    ['1.0a1', '1.0~a1'],
    ['3.12.0b2', '3.12.0~b2'],
    ['v1.2.3', '1.2.3'],
    ['V1.2.3', '1.2.3'],
    ['v2.0-rc1', '2.0~rc1'],
    ['1.0~rc1', '1.0~rc1'],
    ['1.2.3', '1.2.3'],
    ['0.9.8a', '0.9.8a'],
    ['1.0+dfsg', '1.0+dfsg'],
    ['1.0.post1', '1.0.post1'],
    ['version1', 'version1'],
  ])('%s → %s', (input, output) => {
    expect(normalizeUpstream(input)).toBe(output);
  });
});

describe('isPrerelease', () => {
  it.each([
    ['2.0-rc1', true],
    ['v2.0rc1', true],
    ['1.0a1', true],
    ['2.0-beta.2', true],
    ['1.0~git', true],
    ['2.0', false],
    ['v2.0', false],
    ['0.9.8a', false],
    ['2.0-preview', true],
    ['1.0.post1', false],
  ] as const)('%s → %s', (version, prerelease) => {
    expect(isPrerelease(version)).toBe(prerelease);
  });
});

// RELIABILITY case 2: the orders dpkg and rpm give, whatever upstream's spelling.
const ordering: Case[] = [
  ['1.10', '>', '1.9'],
  ['1.10.0', '>', '1.9.9'],
  ['2.0-rc1', '<', '2.0'],
  ['2.0rc1', '<', '2.0'],
  ['2.0.rc1', '<', '2.0'],
  ['2.0-rc1', '<', '2.0-rc2'],
  ['2.0-rc2', '>', '2.0-beta.9'],
  ['2.0-beta.2', '<', '2.0-beta.10'],
  ['1.0a1', '<', '1.0'],
  ['1.0a1', '<', '1.0b1'],
  ['1.0~rc1', '<', '1.0'],
  ['v1.10', '>', 'v1.9'],
  ['v1.10', '>', '1.9'],
  ['v2.0', '=', '2.0'],
  ['2.0-rc1', '=', '2.0~rc1'],
  ['2.0', '<', '2.0.1'],
  ['2.0', '<', '2.0+dfsg'],
  ['0.9.8a', '>', '0.9.8'],
];

describe('case 2: upstreamCompare', () => {
  it.each(bothOrders(ordering))('$a $op $b', ({ a, b, result }) => {
    expect(upstreamCompare(a, b)).toBe(result);
  });

  it('sorts a mixed release list newest last', () => {
    const found = ['v1.10.0', '1.9.2', '1.10.0-rc1', 'v1.2', '1.10.0rc2', '1.10.1', '1.10.0-beta.1'];
    expect([...found].sort(upstreamCompare)).toEqual(['v1.2', '1.9.2', '1.10.0-beta.1', '1.10.0-rc1', '1.10.0rc2', 'v1.10.0', '1.10.1']);
  });

  it('agrees with Debian ordering of the normalized versions', () => {
    for (const { a, b, result } of bothOrders(ordering)) {
      expect(debCompare(`${normalizeUpstream(a)}-1`, `${normalizeUpstream(b)}-1`)).toBe(result);
    }
  });

  it('refuses a hostile version instead of ordering it', () => {
    expect(() => upstreamCompare('1.0', '$(reboot)')).toThrow(UserError);
    expect(() => upstreamCompare('1.0', '$(reboot)')).toThrow('upstream: refusing version "$(reboot)"');
  });
});
