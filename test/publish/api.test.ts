import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishers } from '../../src/publish/api.js';

describe('publisher registry', () => {
  it('registers one publisher per format folder, under the family it publishes', () => {
    const root = path.resolve(import.meta.dirname, '../../src/publish');
    const folders = readdirSync(root).filter((entry) => statSync(path.join(root, entry)).isDirectory());
    const byFolder: Record<string, string> = { apt: 'deb', yum: 'rpm' };
    expect(folders.map((folder) => byFolder[folder]).sort()).toEqual(Object.keys(publishers).sort());
    for (const [family, publisher] of Object.entries(publishers)) expect(publisher?.family).toBe(family);
  });
});
