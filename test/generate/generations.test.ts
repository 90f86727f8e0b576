import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffFileSets, generationDir, keepGeneration, readFileSet } from '../../src/generate/generations.js';

const set = (entries: Record<string, string>) => new Map(Object.entries(entries).map(([name, text]) => [name, Buffer.from(text)]));

describe('generations', () => {
  it('keeps a generation and reads it back', () => {
    const dir = generationDir(mkdtempSync(path.join(tmpdir(), 'freshet-state-')), 'hello', 'debian-12');
    keepGeneration(dir, set({ 'debian/control': 'a\n', 'debian/source/format': '3.0 (quilt)\n' }));
    keepGeneration(dir, set({ 'debian/control': 'b\n' }));
    expect([...readFileSet(dir).keys()]).toEqual(['debian/control']);
    expect(readFileSync(path.join(dir, 'debian/control'), 'utf8')).toBe('b\n');
  });

  it('diffs changed, added and removed files in order and skips equal ones', () => {
    const diff = diffFileSets(
      set({ 'debian/control': 'Source: a\nSection: misc\n', 'debian/old': 'x\n', 'debian/same': 's\n' }),
      set({ 'debian/control': 'Source: a\nSection: libs\n', 'debian/new': 'y\n', 'debian/same': 's\n' }),
    );
    expect(diff).toContain('--- a/debian/control\n+++ b/debian/control\n@@ -1,2 +1,2 @@\n Source: a\n-Section: misc\n+Section: libs\n');
    expect(diff).toContain('--- /dev/null\n+++ b/debian/new\n');
    expect(diff).toContain('--- a/debian/old\n+++ /dev/null\n');
    expect(diff).not.toContain('debian/same');
    expect(diff.indexOf('debian/control')).toBeLessThan(diff.indexOf('debian/new'));
  });

  it('is empty when nothing changed', () => {
    expect(diffFileSets(set({ a: '1\n' }), set({ a: '1\n' }))).toBe('');
  });
});
