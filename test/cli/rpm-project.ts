import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StateStore } from '../../src/state/store.js';

/**
 * A temporary freshet project for in-process CLI tests: an empty recipes folder and one RPM target
 * (learning what it ships needs no mirror, so the tests stay on loopback). `extra` adds config keys.
 */
export function rpmProject(prefix: string, extra: Record<string, unknown> = {}): { dir: string; config: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  mkdirSync(path.join(dir, 'recipes'));
  const config = path.join(dir, 'freshet.config.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      recipes: 'recipes',
      archive: 'archive',
      state: 'state',
      targets: [{ id: 'fedora-41', family: 'rpm', distro: 'fedora', release: '41', codename: 'fedora-41', image: { registry: 'registry.fedoraproject.org/fedora:41' } }],
      ...extra,
    }),
  );
  return { dir, config };
}

/** A make-built recipe `name` with these `upstream:` lines, for watch tests. */
export function watchRecipe(name: string, upstream: string[]): string {
  return [
    `name: ${name}`,
    'summary: a watch test recipe',
    'description: |',
    '  A recipe for the watch tests.',
    'homepage: https://example.org/',
    'license: MIT',
    'copyright:',
    '  - 2025 freshet tests',
    'upstream:',
    ...upstream.map((line) => `  ${line}`),
    'build:',
    '  system: make',
    'packages:',
    `  - name: ${name}`,
    '',
  ].join('\n');
}

/** Open the project's state store for fn, closing it afterwards. */
export function withState<T>(dir: string, fn: (state: StateStore) => T): T {
  const state = StateStore.open(path.join(dir, 'state'));
  try {
    return fn(state);
  } finally {
    state.close();
  }
}
