import type { LintReport } from '../types.js';
import { countLintTags } from './lint-report.js';

// `hello.x86_64: W: no-documentation`, `hello.spec:12: E: tag-name detail`, `hello.src: E: …`.
const line = /^[^\s:]+(?::\d+)?: ([EW]): ([A-Za-z0-9][A-Za-z0-9_.%+-]*)/;

export function parseRpmlint(output: string): LintReport {
  return countLintTags(output, line, 'rpmlint');
}
