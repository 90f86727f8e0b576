import type { LintReport } from '../types.js';
import { parseLintOutput } from './lint-report.js';

// `E: hello: tag-name [extra]`, `W: hello source: tag-name info`; I/P/N/X/O lines are not counted.
const line = /^(?<severity>[EW]): (?<package>[^:\s]+(?: [a-z]+)?): (?<tag>[A-Za-z0-9][A-Za-z0-9_.+-]*)(?: (?<info>.*))?$/;

export function parseLintian(output: string): LintReport {
  return parseLintOutput(output, line, 'lintian');
}
