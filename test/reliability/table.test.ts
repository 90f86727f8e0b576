import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/reliability.md promises a test for every case of the reliability list (31 cases, and 32–48 from the integrity, interrupted-run and chain issues). This keeps
 * the table honest: every case has one row, every test file a row names exists, and at least one
 * of them has a test whose vitest name carries the case number (`case 11: …`).
 */
const repo = path.resolve(import.meta.dirname, '../..');
const table = readFileSync(path.join(repo, 'docs/reliability.md'), 'utf8');
const CASES = 58;

const rows = table
  .split('\n')
  .map((line) => /^\| (\d+) \|[^|]*\|([^|]*)\|/.exec(line))
  .filter((match): match is RegExpExecArray => match !== null)
  .map((match) => ({ number: Number(match[1]), tests: match[2]! }));

describe('docs/reliability.md', () => {
  it('has exactly one row for each case', () => {
    // Sections keep their cases together, so a later case may sit in an earlier section.
    expect(rows.map((row) => row.number).sort((a, b) => a - b)).toEqual(Array.from({ length: CASES }, (_, index) => index + 1));
  });

  it.each(rows.map((row) => [row.number, row.tests] as const))('case %i names test files that exist', (_number, tests) => {
    const files = [...tests.matchAll(/`([\w./-]+\.test\.ts)`/g)].map((match) => match[1]!);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => !existsSync(path.join(repo, 'test', file)))).toEqual([]);
  });

  it.each(rows.map((row) => [row.number, row.tests] as const))('case %i is named in a test name of a file it names', (number, tests) => {
    const files = [...tests.matchAll(/`([\w./-]+\.test\.ts)`/g)].map((match) => path.join(repo, 'test', match[1]!));
    // A quoted title that starts with the case number ('case 11: …', or 'case 2, case 13: …'), not a comment.
    const carrying = new RegExp(`['"\`](?:case \\d+, )*case ${number}:`);
    expect(files.filter((file) => existsSync(file) && carrying.test(readFileSync(file, 'utf8'))).length, `no named file has a test called "case ${number}: …"`).toBeGreaterThan(0);
  });
});
