import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/state/store.js';
import * as tick from '../reliability/tick-project.js';

/**
 * A dependency cycle at the CLI (the built CLI, a real process): ping and pong build-depend on each
 * other's packages; `freshet run` and `freshet run --dry-run` refuse with exit 2 naming both, before
 * anything is built.
 */
let project: tick.TickProject;

function recipe(name: string, needs: string): void {
  writeFileSync(
    path.join(project.dir, 'recipes', `${name}.yaml`),
    [
      ...tick.recipeHead(project, name, `${name} for the cycle test`, `${name}, made by freshet tests.`),
      ...tick.shellBuild(),
      'depends:',
      `  build: ["${needs}"]`,
      'packages:',
      `  - name: ${name}`,
      '    architecture: all',
      '',
    ].join('\n'),
  );
}

beforeAll(async () => {
  await tick.buildCli();
  project = await tick.tickProject('freshet-cycle-');
  const key = await tick.cli(project, ['key', 'create']);
  expect(key.exitCode, key.stderr).toBe(0);
  for (const name of ['ping', 'pong']) {
    project.served.set(`${name}-1.0.tar.gz`, await tick.pack(project, `${name}-1.0`, { LICENSE: tick.LICENSE, 'build.sh': '#!/bin/sh\n', 'install.sh': '#!/bin/sh\n' }));
  }
  recipe('ping', 'pong');
  recipe('pong', 'ping');
}, 600_000);

afterAll(async () => {
  await project?.close();
});

describe('freshet run on recipes that need each other', () => {
  it.each(['run --dry-run', 'run'])('case 45: freshet %s exits 2 naming both recipes of the cycle and builds nothing', async (command) => {
    const result = await tick.cli(project, command.split(' '));
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(2);
    expect(result.stderr).toMatch(/dependency cycle between recipes (ping → pong → ping|pong → ping → pong) on debian-12/);
    expect(result.stderr).toMatch(/ping needs pong from pong/);
    expect(result.stderr).toMatch(/pong needs ping from ping/);
    const state = StateStore.open(path.join(project.dir, 'state'));
    try {
      expect(state.builds()).toEqual([]);
    } finally {
      state.close();
    }
    expect(existsSync(path.join(project.dir, 'archive/dists'))).toBe(false);
  });
});
