/**
 * Debian package versions, as specified by deb-version(7) (`man 7 deb-version`, dpkg):
 *
 *   [epoch:]upstream_version[-debian_revision]
 *
 * - epoch: an unsigned integer, 0 when absent; compared numerically first.
 * - upstream_version: starts with a digit; alphanumerics and `. + - ~` (a `-` only when a
 *   revision follows, since the revision starts after the last `-`).
 * - debian_revision: alphanumerics and `+ . ~`; absent compares like `0`.
 *
 * Upstream and revision are compared with the same algorithm (dpkg's verrevcmp): alternate a
 * run of non-digits, compared character by character with `~` before everything (even the end of
 * the string), then letters, then all other characters; and a run of digits, compared as a
 * number (a missing run is 0). Everything here is written from the manual page.
 */
import { UserError } from '../core/errors.js';
import { looksLikePrerelease } from './prerelease.js';

export interface DebVersion {
  epoch: number;
  upstream: string;
  /** `''` when the version has no `-revision`. */
  revision: string;
}

const MAX_EPOCH = 2 ** 31 - 1; // dpkg keeps the epoch in a C int
const epochPattern = /^\d+$/;
const upstreamPattern = /^\d[A-Za-z0-9.+~-]*$/;
const revisionPattern = /^[A-Za-z0-9.+~]+$/;

/** Splits a version, or says which rule of deb-version(7) it breaks. */
function split(version: string): DebVersion | string {
  let rest = version;
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon !== -1) {
    const epochText = rest.slice(0, colon);
    if (!epochPattern.test(epochText)) return 'the epoch must be an unsigned integer';
    epoch = Number(epochText);
    if (epoch > MAX_EPOCH) return 'the epoch is too large';
    rest = rest.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen === -1 ? rest : rest.slice(0, hyphen);
  const revision = hyphen === -1 ? '' : rest.slice(hyphen + 1);
  if (upstream === '') return 'the upstream version is empty';
  if (!upstreamPattern.test(upstream)) {
    return /^\d/.test(upstream)
      ? 'the upstream version may only contain alphanumerics and . + - ~'
      : 'the upstream version must start with a digit';
  }
  if (hyphen !== -1 && !revisionPattern.test(revision)) {
    return revision === '' ? 'the revision after - is empty' : 'the revision may only contain alphanumerics and + . ~';
  }
  return { epoch, upstream, revision };
}

export function isValid(version: string): boolean {
  return typeof version === 'string' && typeof split(version) !== 'string';
}

/** Parses a Debian version; a UserError names the version and the broken rule. */
export function parse(version: string): DebVersion {
  const parsed = split(version);
  if (typeof parsed === 'string') {
    throw new UserError(`invalid Debian version ${JSON.stringify(version)}: ${parsed}`, {
      hint: 'see deb-version(7): [epoch:]upstream_version[-debian_revision]',
    });
  }
  return parsed;
}

const isDigit = (char: string) => char >= '0' && char <= '9';
const isLetter = (char: string) => (char >= 'A' && char <= 'Z') || (char >= 'a' && char <= 'z');

/** Sort weight of one character of a non-digit run; `undefined` is the end of the run. */
function weight(char: string | undefined): number {
  if (char === undefined) return 0;
  if (char === '~') return -1;
  if (isLetter(char)) return char.charCodeAt(0);
  return char.charCodeAt(0) + 256;
}

function sign(value: number): -1 | 0 | 1 {
  return value < 0 ? -1 : value > 0 ? 1 : 0;
}

/** Compares two digit runs as numbers of any length. */
function compareDigits(a: string, b: string): -1 | 0 | 1 {
  const left = a.replace(/^0+/, '');
  const right = b.replace(/^0+/, '');
  if (left.length !== right.length) return sign(left.length - right.length);
  return left === right ? 0 : left < right ? -1 : 1;
}

/**
 * The deb-version(7) comparison of an upstream version or a revision on its own. It is total on
 * any string, so it also orders upstream versions before they are known to be valid.
 */
export function compareFragment(a: string, b: string): -1 | 0 | 1 {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit run: the end of a run weighs 0, so `~` sorts before it and letters after it.
    while ((i < a.length && !isDigit(a[i]!)) || (j < b.length && !isDigit(b[j]!))) {
      const left = i < a.length && !isDigit(a[i]!) ? a[i] : undefined;
      const right = j < b.length && !isDigit(b[j]!) ? b[j] : undefined;
      const diff = weight(left) - weight(right);
      if (diff !== 0) return sign(diff);
      i++;
      j++;
    }
    const startA = i;
    const startB = j;
    while (i < a.length && isDigit(a[i]!)) i++;
    while (j < b.length && isDigit(b[j]!)) j++;
    const digits = compareDigits(a.slice(startA, i), b.slice(startB, j));
    if (digits !== 0) return digits;
  }
  return 0;
}

/** -1, 0 or 1 as `a` sorts before, equal to or after `b` (throws on an invalid version). */
export function compare(a: string, b: string): -1 | 0 | 1 {
  const left = parse(a);
  const right = parse(b);
  if (left.epoch !== right.epoch) return sign(left.epoch - right.epoch);
  return compareFragment(left.upstream, right.upstream) || compareFragment(left.revision, right.revision);
}

/**
 * A release, not a pre-release: the upstream part has no `~` and no alpha/beta/rc/pre/dev word.
 * The revision is not looked at: `2.12.3-1~bpo12+1` (a backport) and freshet's own
 * `2.12.3-0~deb12+freshet1` are releases of 2.12.3.
 */
export function isStable(version: string): boolean {
  const parsed = split(version);
  return typeof parsed !== 'string' && !looksLikePrerelease(parsed.upstream);
}
