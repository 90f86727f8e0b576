import type { LintReport } from '../types.js';

/**
 * Count a linter's errors and warnings and list their tags (sorted, once each). `line` matches
 * one output line and captures the severity (E or W) and the tag; other lines are not counted.
 */
export function countLintTags(output: string, line: RegExp, tool: LintReport['tool']): LintReport {
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
  return { tool, errors, warnings, tags: [...tags].sort() };
}
