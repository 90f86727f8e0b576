import type { LintReport } from '../types.js';

// `E: hello: tag-name [extra]`, `W: hello source: tag-name`; I/P/N/X/O lines are not counted.
const line = /^([EW]): [^:\s]+(?: [a-z]+)?: ([A-Za-z0-9][A-Za-z0-9_.+-]*)/;

/** Count lintian's errors and warnings and list their tags (sorted, once each). */
export function parseLintian(output: string): LintReport {
  let errors = 0;
  let warnings = 0;
  const tags = new Set<string>();
  for (const text of output.split('\n')) {
    const match = line.exec(text);
    if (!match) continue;
    if (match[1] === 'E') errors += 1;
    else warnings += 1;
    tags.add(match[2]!);
  }
  return { tool: 'lintian', errors, warnings, tags: [...tags].sort() };
}
