/**
 * Versions as upstreams publish them. They are untrusted text (they end up in file names,
 * changelogs, spec files and command arguments), so they are checked against a narrow
 * character set before anything else happens, then rewritten into Debian's `~` spelling for
 * pre-releases so that dpkg, rpm and freshet agree on their order.
 */
import { UserError } from '../core/errors.js';
import { compareFragment } from './deb.js';
import { looksLikePrerelease } from './prerelease.js';

/** The same rule as a recipe's version keys (src/watch/schema.ts `versionKey`). */
const safeVersion = /^[A-Za-z0-9][A-Za-z0-9.+~_-]{0,99}$/;

/**
 * True for 1–100 characters of `A-Za-z0-9 . + ~ _ -` starting with a letter or digit: no `$(...)`,
 * backticks, spaces, newlines, `/`, or a leading `-` that a tool could read as an option.
 */
export function isSafeVersionString(version: unknown): version is string {
  return typeof version === 'string' && safeVersion.test(version);
}

export function assertSafeVersionString(version: unknown, source = 'upstream'): string {
  if (!isSafeVersionString(version)) {
    const shown = typeof version === 'string' ? JSON.stringify(version.slice(0, 120)) : String(version);
    throw new UserError(`${source}: refusing version ${shown}`, {
      hint: 'a version is 1-100 characters of A-Z a-z 0-9 . + ~ _ - starting with a letter or digit',
    });
  }
  return version;
}

/** `rc1`, `-beta.2`, `.dev0` after a digit: the separator becomes `~` and the word lower case. */
const spelledPrerelease = /(?<=\d)[-._]?(alpha|beta|rc|preview|pre|dev)(?![A-Za-z])/gi;
/** PEP 440's short `1.0a1` / `1.0b2`: a single a or b between a digit and a number at the end. */
const shortPrerelease = /(?<=\d)([ab])(?=\d+$)/;

/**
 * Upstream spelling → Debian spelling: `v2.0` → `2.0`, `2.0-rc1`, `2.0rc1`, `2.0.rc1` → `2.0~rc1`,
 * `2.0-beta.2` → `2.0~beta.2`, `1.0a1` → `1.0~a1`, so a pre-release sorts before its release.
 * A version already written with `~` is left as it is.
 */
export function normalizeUpstream(version: string): string {
  const safe = assertSafeVersionString(version);
  const unprefixed = /^[vV]\d/.test(safe) ? safe.slice(1) : safe;
  return unprefixed
    .replace(spelledPrerelease, (_match, word: string) => `~${word.toLowerCase()}`)
    .replace(shortPrerelease, '~$1');
}

export function isPrerelease(version: string): boolean {
  return looksLikePrerelease(normalizeUpstream(version));
}

/**
 * Orders upstream versions found by watch: both are normalized, then compared as Debian
 * upstream versions (deb-version(7)), so `1.10` > `1.9`, `v2.0` = `2.0` and `2.0rc1` < `2.0`.
 */
export function upstreamCompare(a: string, b: string): -1 | 0 | 1 {
  return compareFragment(normalizeUpstream(a), normalizeUpstream(b));
}
