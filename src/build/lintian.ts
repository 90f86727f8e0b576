import type { LintReport } from '../types.js';
import { countLintTags } from './lint-report.js';

// `E: hello: tag-name [extra]`, `W: hello source: tag-name`; I/P/N/X/O lines are not counted.
const line = /^([EW]): [^:\s]+(?: [a-z]+)?: ([A-Za-z0-9][A-Za-z0-9_.+-]*)/;

export function parseLintian(output: string): LintReport {
  return countLintTags(output, line, 'lintian');
}
