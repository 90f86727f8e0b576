import type { LintReport } from '../types.js';
import { parseLintOutput } from './lint-report.js';

// `hello.x86_64: W: no-documentation`, `hello.spec:12: E: tag-name detail`, `hello.src: E: …`.
const line = /^(?<package>[^\s:]+(?::\d+)?): (?<severity>[EW]): (?<tag>[A-Za-z0-9][A-Za-z0-9_.%+-]*)(?: (?<info>.*))?$/;

/**
 * rpmlint tags that mean nothing for freshet's specs on any RPM target, left out of the counts
 * (the full output stays in rpmlint.txt). docs/rpm.md lists them with the reasons.
 */
export const IGNORED_RPMLINT_TAGS: ReadonlySet<string> = new Set([
  // The License tag holds an SPDX expression (Fedora's rule); openSUSE's list behind this check predates SPDX names.
  'invalid-license',
  // Source0 is the tarball's file name (freshet fetched and verified it; the build has no network), not a URL.
  'invalid-url',
  // Mandriva's library package naming (%mklibname); freshet names library packages as Fedora does.
  'lib-package-without-%mklibname',
]);

export function parseRpmlint(output: string): LintReport {
  return parseLintOutput(output, line, 'rpmlint', IGNORED_RPMLINT_TAGS);
}
