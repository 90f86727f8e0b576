/**
 * RPM versions: `[epoch:]version[-release]` (EVR), compared with rpmvercmp semantics, as rpm's
 * rpmio/rpmvercmp.c implements them and tests/rpmvercmp.at pins them down. This is our own code
 * written from those rules (rpm is GPL/LGPL; nothing is copied):
 *
 * - Epochs compare as numbers (absent = 0), then the version, then the release (absent = empty,
 *   which sorts below any release, as rpm.labelCompare does).
 * - A string is cut into segments of ASCII digits or ASCII letters; any other character only
 *   separates segments (`1.0` = `1_0` = `1..0`).
 * - `~` sorts before everything, even the end of the string: `1.0~rc1` < `1.0`.
 * - `^` sorts after the end of the string but before any further segment:
 *   `1.0` < `1.0^git1` < `1.0.1`.
 * - Digit segments compare as numbers, leading zeros ignored (`1.01` = `1.1`); letter segments
 *   compare bytewise (`B` < `a`); a digit segment is newer than a letter segment.
 * - When one side runs out of segments, the side with segments left is newer.
 */
import { UserError } from '../core/errors.js';
import { looksLikePrerelease, prereleaseWord } from './prerelease.js';

export interface RpmVersion {
  epoch: number;
  version: string;
  /** `''` when the EVR has no `-release`. */
  release: string;
}

const MAX_EPOCH = 2 ** 31 - 1;
/** rpmbuild's allowed characters for Version and Release, minus the macro characters `%{}`. */
const fieldPattern = /^[A-Za-z0-9._+~^]+$/;

function split(evr: string): RpmVersion | string {
  let rest = evr;
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon !== -1) {
    const epochText = rest.slice(0, colon);
    if (!/^\d+$/.test(epochText)) return 'the epoch must be an unsigned integer';
    epoch = Number(epochText);
    if (epoch > MAX_EPOCH) return 'the epoch is too large';
    rest = rest.slice(colon + 1);
  }
  const hyphen = rest.indexOf('-');
  const version = hyphen === -1 ? rest : rest.slice(0, hyphen);
  const release = hyphen === -1 ? '' : rest.slice(hyphen + 1);
  if (!fieldPattern.test(version)) return 'the version must be non-empty and contain only alphanumerics and . _ + ~ ^';
  if (hyphen !== -1 && !fieldPattern.test(release)) {
    return 'the release must be non-empty and contain only alphanumerics and . _ + ~ ^ (no second -)';
  }
  if (!/[A-Za-z0-9]/.test(version)) return 'the version has no digit or letter';
  return { epoch, version, release };
}

export function isValid(evr: string): boolean {
  return typeof evr === 'string' && typeof split(evr) !== 'string';
}

/** Parses `[epoch:]version[-release]`; a UserError names the EVR and the broken rule. */
export function parse(evr: string): RpmVersion {
  const parsed = split(evr);
  if (typeof parsed === 'string') {
    throw new UserError(`invalid RPM version ${JSON.stringify(evr)}: ${parsed}`, {
      hint: 'an RPM EVR is [epoch:]version[-release]',
    });
  }
  return parsed;
}

const isDigit = (char: string) => char >= '0' && char <= '9';
const isLetter = (char: string) => (char >= 'A' && char <= 'Z') || (char >= 'a' && char <= 'z');
const isSegmentChar = (char: string) => isDigit(char) || isLetter(char);

function sign(value: number): -1 | 0 | 1 {
  return value < 0 ? -1 : value > 0 ? 1 : 0;
}

function compareText(a: string, b: string): -1 | 0 | 1 {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** rpmvercmp semantics on one field (version or release). */
export function compareField(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  for (;;) {
    // Separators only separate; `~` and `^` are not separators.
    while (i < a.length && !isSegmentChar(a[i]!) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isSegmentChar(b[j]!) && b[j] !== '~' && b[j] !== '^') j++;
    const left = a[i];
    const right = b[j];
    if (left === '~' || right === '~') {
      if (left !== '~') return 1;
      if (right !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (left === '^' || right === '^') {
      // `^` beats the end of the string but loses to any segment.
      if (left === undefined) return -1;
      if (right === undefined) return 1;
      if (left !== '^') return 1;
      if (right !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (left === undefined || right === undefined) {
      if (left === undefined && right === undefined) return 0;
      return left === undefined ? -1 : 1;
    }
    const numeric = isDigit(left);
    const sameKind = numeric ? isDigit : isLetter;
    const startA = i;
    const startB = j;
    while (i < a.length && sameKind(a[i]!)) i++;
    while (j < b.length && sameKind(b[j]!)) j++;
    if (j === startB) return numeric ? 1 : -1; // digits beat letters
    const segmentA = a.slice(startA, i);
    const segmentB = b.slice(startB, j);
    if (numeric) {
      const numberA = segmentA.replace(/^0+/, '');
      const numberB = segmentB.replace(/^0+/, '');
      if (numberA.length !== numberB.length) return sign(numberA.length - numberB.length);
      const byValue = compareText(numberA, numberB);
      if (byValue !== 0) return byValue;
    } else {
      const byText = compareText(segmentA, segmentB);
      if (byText !== 0) return byText;
    }
  }
}

/** -1, 0 or 1 as EVR `a` sorts before, equal to or after `b` (throws on an invalid EVR). */
export function compare(a: string, b: string): -1 | 0 | 1 {
  const left = parse(a);
  const right = parse(b);
  if (left.epoch !== right.epoch) return sign(left.epoch - right.epoch);
  return compareField(left.version, right.version) || compareField(left.release, right.release);
}

/**
 * A release, not a pre-release: no `~` in the version and no alpha/beta/rc/pre/dev word in the
 * version or the release (Fedora's older `Release: 0.1.rc1.fc41` marks pre-releases there). A
 * `~` in the release is packaging, not a pre-release.
 */
export function isStable(evr: string): boolean {
  const parsed = split(evr);
  if (typeof parsed === 'string') return false;
  return !looksLikePrerelease(parsed.version) && !prereleaseWord.test(parsed.release);
}
