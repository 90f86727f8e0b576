import type { LintReport } from '../types.js';

// `hello.x86_64: W: no-documentation`, `hello.spec:12: E: tag-name detail`, `hello.src: E: …`.
const line = /^[^\s:]+(?::\d+)?: ([EW]): ([A-Za-z0-9][A-Za-z0-9_.%+-]*)/;

/** Count rpmlint's errors and warnings and list their tags (sorted, once each). */
export function parseRpmlint(output: string): LintReport {
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
  return { tool: 'rpmlint', errors, warnings, tags: [...tags].sort() };
}
