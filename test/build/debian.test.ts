import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPhaseTimings } from '../../src/build/container-build.js';
import { findSourceTree } from '../../src/build/debian.js';

function sourceDir(trees: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-source-'));
  for (const [name, changelog] of Object.entries(trees)) {
    mkdirSync(path.join(dir, name, 'debian'), { recursive: true });
    writeFileSync(path.join(dir, name, 'debian', 'changelog'), changelog);
  }
  writeFileSync(path.join(dir, 'hello_2.10.orig.tar.gz'), '');
  return dir;
}

describe('findSourceTree', () => {
  it('finds the tree and the name and version its changelog declares', () => {
    const dir = sourceDir({ 'hello-2.10': 'hello (1:2.10-3) unstable; urgency=medium\n\n  * x\n' });
    expect(findSourceTree(dir)).toEqual({ dir: 'hello-2.10', identity: { source: 'hello', version: '2.10-3', upstreamVersion: '2.10' } });
  });

  it('refuses zero or several trees and a changelog that does not start with an entry', () => {
    expect(() => findSourceTree(sourceDir({}))).toThrow(/found 0/);
    expect(() => findSourceTree(sourceDir({ a: 'a (1-1) x; urgency=low\n', b: 'b (1-1) x; urgency=low\n' }))).toThrow(/found 2/);
    expect(() => findSourceTree(sourceDir({ a: 'hello $(id) unstable\n' }))).toThrow(/not a changelog entry/);
  });
});

describe('readPhaseTimings', () => {
  it('reads the phase markers of the build script', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-log-'));
    const log = path.join(dir, 'build.log');
    writeFileSync(log, 'x\nfreshet-phase build-start 1000\nnoise\nfreshet-phase build-end 6000\nfreshet-phase lint-start 6000\nfreshet-phase lint-end 6500\n');
    expect(readPhaseTimings(log)).toEqual({ buildMs: 5000, lintMs: 500 });
  });
});
