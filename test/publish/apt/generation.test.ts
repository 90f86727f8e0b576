import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generationsDir, pruneGenerations } from '../../../src/publish/apt/generation.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'freshet-generation-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('generation folders', () => {
  it('removes the generations listed when pruning starts, never one made while it runs', async () => {
    const dir = generationsDir(root, 'bookworm');
    for (const name of ['3', '4', '5.tmp-123', '5']) {
      mkdirSync(path.join(dir, name, 'main/by-hash'), { recursive: true });
      writeFileSync(path.join(dir, name, 'Release'), name);
    }
    // A publish starts pruning and goes on to build its own generation beside it.
    const pruning = pruneGenerations(root, 'bookworm', [path.join(dir, '4')]);
    mkdirSync(path.join(dir, '5.tmp-456-own'));
    writeFileSync(path.join(dir, '5.tmp-456-own', 'Release'), 'new');
    await pruning;
    expect(readdirSync(dir).sort()).toEqual(['4', '5.tmp-456-own']);
  });

});
