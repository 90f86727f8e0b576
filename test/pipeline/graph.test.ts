import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { assertAcyclic, buildStages, chainsOf, providersOf, recipeGraph, relationNames } from '../../src/pipeline/graph.js';
import { followLibraries, type PlannedAction, type TargetSnapshot } from '../../src/pipeline/plan.js';
import type { ResolvedRecipe } from '../../src/recipe/load.js';
import type { Target } from '../../src/types.js';

function recipe(name: string, packages: Array<[string, string[]?]>, buildDepends: string[] = []): ResolvedRecipe {
  return { name, buildDepends, packages: packages.map(([pkg, depends]) => ({ name: pkg, depends: depends ?? [] })) } as unknown as ResolvedRecipe;
}

const target = { id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm' } as Target;

describe('recipe graph', () => {
  it('reads package names from relations with versions, alternatives and qualifiers', () => {
    expect(relationNames('libtick-dev (>= 2.0) | libtock-dev:any [amd64]')).toEqual(['libtick-dev', 'libtock-dev']);
  });

  it('orders providers before dependents and keeps independent recipes in one stage', () => {
    const graph = recipeGraph('debian-12', [
      recipe('tock', [['tock']], ['libtick-dev (>= 2)']),
      recipe('libtick', [['libtick2'], ['libtick-dev']]),
      recipe('hello', [['hello']]),
    ]);
    expect(buildStages(graph)).toEqual([['hello', 'libtick'], ['tock']]);
    expect(providersOf(graph, 'tock', new Set(['libtick', 'tock']))).toEqual(['libtick']);
    expect(chainsOf(graph, new Set(['hello', 'libtick', 'tock']))).toEqual([['hello'], ['libtick', 'tock']]);
  });

  it('case 45: a dependency cycle is a usage error naming the recipes', () => {
    const graph = recipeGraph('debian-12', [recipe('ping', [['ping']], ['pong']), recipe('pong', [['pong', ['ping']]]), recipe('hello', [['hello']])]);
    let error: unknown;
    try {
      assertAcyclic(graph);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('dependency cycle between recipes ping → pong → ping on debian-12');
    expect((error as ConfigError).cliExit).toBe(2);
  });
});

describe('rebuilds that follow a library', () => {
  const snapshot: TargetSnapshot = { shipped: null, published: undefined, lastBuild: undefined, highestRebuild: 1 };
  const actions: PlannedAction[] = [
    { kind: 'build', recipe: 'libtick', targetId: 'debian-12', upstreamVersion: '2.0', packageVersion: '2.0-0~fresh12+1', rebuild: 1, inputsHash: 'b', why: 'new upstream release' },
    { kind: 'up-to-date', recipe: 'tock', targetId: 'debian-12', upstreamVersion: '1.0', packageVersion: '1.0-0~fresh12+1' },
  ];
  const input = (declared: string[]) => ({
    target,
    needs: new Map([['tock', new Map([['libtick', ['libtick-dev']]])], ['libtick', new Map()]]),
    declared: new Map([['libtick', declared]]),
    live: new Map([
      ['libtick', { packages: ['libtick1', 'libtick-dev'], dependsOn: [] }],
      ['tock', { packages: ['tock'], dependsOn: ['libc6', 'libtick1'] }],
    ]),
    snapshots: new Map([['tock', { snapshot, inputsHash: 't' }]]),
  });

  it('case 46: a new shared-library package name rebuilds the live dependent with the next rebuild number, saying why', () => {
    const [, tock] = followLibraries(actions, input(['libtick2', 'libtick-dev']));
    expect(tock).toMatchObject({ kind: 'build', recipe: 'tock', upstreamVersion: '1.0', rebuild: 2, inputsHash: 't' });
    expect(tock?.kind === 'build' && tock.why).toBe('rebuilt against libtick 2.0: it depends on libtick1, which libtick no longer builds (now libtick2)');
  });

  it('leaves the dependent alone when the library keeps its package names', () => {
    expect(followLibraries(actions, input(['libtick1', 'libtick-dev']))[1]).toEqual(actions[1]);
  });
});
