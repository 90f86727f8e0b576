import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { compare, compareField, isStable, isValid, parse } from '../../src/versioning/rpm.js';
import { bothOrders } from './fixtures/orders.js';
import { evrCases, fieldCases, invalidRpmVersions } from './fixtures/rpm-cases.js';

describe('rpmvercmp on one field', () => {
  it.each(bothOrders(fieldCases))('$a $op $b', ({ a, b, result }) => {
    expect(compareField(a, b)).toBe(result);
  });

  it('orders a pre-release, its release, a snapshot after it and the next release', () => {
    const sorted = ['1.0.1', '1.0^git2', '1.0', '1.0~rc1', '1.0^git1'].sort(compareField);
    expect(sorted).toEqual(['1.0~rc1', '1.0', '1.0^git1', '1.0^git2', '1.0.1']);
  });
});

describe('rpm EVR compare', () => {
  it.each(bothOrders(evrCases))('$a $op $b', ({ a, b, result }) => {
    expect(compare(a, b)).toBe(result);
  });

  it('throws a UserError naming an invalid EVR', () => {
    expect(() => compare('1.0-1', '1.0-1-2')).toThrow(/"1.0-1-2"/);
  });
});

describe('rpm parse and isValid', () => {
  it('splits epoch, version and release', () => {
    expect(parse('2:9.1.083-1.fc41')).toEqual({ epoch: 2, version: '9.1.083', release: '1.fc41' });
    expect(parse('1.0^git1')).toEqual({ epoch: 0, version: '1.0^git1', release: '' });
  });

  it.each(invalidRpmVersions)('refuses %j', (evr) => {
    expect(isValid(evr)).toBe(false);
    expect(() => parse(evr)).toThrow(UserError);
    expect(() => parse(evr)).toThrow(`invalid RPM version ${JSON.stringify(evr)}: `);
  });

  it.each(evrCases.flatMap(([a, , b]) => [a, b]))('accepts %s', (evr) => {
    expect(isValid(evr)).toBe(true);
  });
});

describe('rpm isStable', () => {
  it.each([
    ['2.12.3-1.fc41', true],
    ['1.0^20240101git1234567-1.fc41', true],
    ['2.12.3-0.fc41.freshet1', true],
    ['1.0~rc1-1.fc41', false],
    ['3.12.0~b1-1.fc41', false],
    ['6.0.0-0.rc1.fc41', false],
    ['2.0beta2-1', false],
    ['1.0-1-2', false],
  ] as const)('%s → %s', (evr, stable) => {
    expect(isStable(evr)).toBe(stable);
  });
});
