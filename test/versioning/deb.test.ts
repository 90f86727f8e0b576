import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { compare, compareFragment, isStable, isValid, parse } from '../../src/versioning/deb.js';
import { debCases, invalidDebVersions } from './fixtures/deb-cases.js';
import { bothOrders } from './fixtures/orders.js';

describe('deb compare', () => {
  it.each(bothOrders(debCases))('$a $op $b', ({ a, b, result }) => {
    expect(compare(a, b)).toBe(result);
  });

  it('sorts the deb-version(7) example list in its documented order', () => {
    const sorted = ['1.0', '1.0~', '1.0a', '1.0~~a', '1.0~~'].sort(compare);
    expect(sorted).toEqual(['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0a']);
  });

  it('compares digit runs of any length as numbers', () => {
    expect(compareFragment('1.123456789012345678901234567890', '1.123456789012345678901234567891')).toBe(-1);
    expect(compareFragment('1.000000000000000000000000000002', '1.2')).toBe(0);
  });

  it('throws a UserError naming an invalid version', () => {
    expect(() => compare('1.0', 'a1')).toThrow(UserError);
    expect(() => compare('1.0', 'a1')).toThrow(/"a1".*start with a digit/);
  });
});

describe('deb parse and isValid', () => {
  it('splits epoch, upstream and revision at the first colon and the last hyphen', () => {
    expect(parse('1:2.0-rc1-3~bpo12+1')).toEqual({ epoch: 1, upstream: '2.0-rc1', revision: '3~bpo12+1' });
    expect(parse('2.0')).toEqual({ epoch: 0, upstream: '2.0', revision: '' });
  });

  it.each(invalidDebVersions)('refuses %j', (version) => {
    expect(isValid(version)).toBe(false);
    expect(() => parse(version)).toThrow(UserError);
    expect(() => parse(version)).toThrow(`invalid Debian version ${JSON.stringify(version)}: `);
  });

  it.each(debCases.flatMap(([a, , b]) => [a, b]))('accepts %s', (version) => {
    expect(isValid(version)).toBe(true);
  });
});

describe('deb isStable', () => {
  it.each([
    ['2.12.3-1', true],
    ['1:9.2p1-2+deb12u3', true],
    ['2.12.3-1~bpo12+1', true],
    ['2.12.3-0~deb12+freshet1', true],
    ['1.0+dfsg-1', true],
    ['1.0+devuan1-1', true],
    ['2.0+rcs-1', true],
    ['2.0preview-1', false],
    ['1.0~rc1-1', false],
    ['2.0rc1-1', false],
    ['2.0.beta2', false],
    ['3.0-alpha-1', false],
    ['1.0.dev0-1', false],
    ['1.0pre3-1', false],
    ['not-a-version', false],
  ] as const)('%s → %s', (version, stable) => {
    expect(isStable(version)).toBe(stable);
  });
});
