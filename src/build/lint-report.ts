import type { LintFinding, LintReport } from '../types.js';

/** Findings kept per build: enough to act on, bounded for the state database and status.json. */
export const MAX_FINDINGS = 500;

/**
 * Count a linter's errors and warnings, list their tags (sorted, once each) and keep each finding
 * with its package and details. `line` matches one output line with the named groups severity (E
 * or W), package, tag and info; other lines are not counted. Tags in `ignore` are left out and
 * only counted as ignored.
 */
export function parseLintOutput(output: string, line: RegExp, tool: LintReport['tool'], ignore: ReadonlySet<string> = new Set()): LintReport {
  let errors = 0;
  let warnings = 0;
  let ignored = 0;
  const tags = new Set<string>();
  const findings: LintFinding[] = [];
  for (const text of output.split('\n')) {
    const groups = line.exec(text)?.groups;
    if (!groups) continue;
    const tag = groups.tag!;
    if (ignore.has(tag)) {
      ignored += 1;
      continue;
    }
    if (groups.severity === 'E') errors += 1;
    else warnings += 1;
    tags.add(tag);
    if (findings.length < MAX_FINDINGS) {
      findings.push({ severity: groups.severity === 'E' ? 'error' : 'warning', package: groups.package!, tag, info: (groups.info ?? '').trim() });
    }
  }
  return { tool, errors, warnings, tags: [...tags].sort(), findings, ...(ignored ? { ignored } : {}) };
}

/** A finding as one line: `E hello: embedded-library zlib [usr/bin/hello]`. */
export function findingLine(finding: LintFinding): string {
  return `${finding.severity === 'error' ? 'E' : 'W'} ${finding.package}: ${finding.tag}${finding.info ? ` ${finding.info}` : ''}`;
}

/** Log fields for a build's lint result: the counts and its findings, one line each. */
export function lintLogFields(lint: LintReport | undefined): Record<string, unknown> {
  if (!lint) return {};
  return { lint: `${lint.tool}: ${lint.errors} errors, ${lint.warnings} warnings`, findings: (lint.findings ?? []).map(findingLine) };
}
