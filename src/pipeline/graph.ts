import { ConfigError } from '../core/errors.js';
import type { ResolvedRecipe } from '../recipe/load.js';

/**
 * The archive's dependency graph for one target: which recipe provides which binary package (from
 * the recipes' declared packages) and which recipes need them (build dependencies and the
 * packages' declared runtime dependencies). Pure: the run orders, waits and publishes by it.
 */
export interface RecipeGraph {
  targetId: string;
  /** Binary package (and declared Provides) → the recipe that builds it. */
  providers: Map<string, string>;
  /** Recipe → the other recipes it needs, each with the packages it needs from it. */
  needs: Map<string, Map<string, string[]>>;
}

/** Package names of Debian or RPM relations: `a (>= 1) | b:any [amd64]` → a, b. */
export function relationNames(relation: string): string[] {
  return relation
    .split('|')
    .map((alternative) => alternative.trim().split(/[\s(\[<>=]/, 1)[0]!.replace(/:[a-z0-9-]+$/, ''))
    .filter(Boolean);
}

export function recipeGraph(targetId: string, recipes: readonly ResolvedRecipe[]): RecipeGraph {
  const providers = new Map<string, string>();
  for (const recipe of recipes) {
    for (const pkg of recipe.packages) for (const name of [pkg.name, ...(pkg.provides ?? [])]) providers.set(name, recipe.name);
  }
  const needs = new Map<string, Map<string, string[]>>();
  for (const recipe of recipes) {
    const wanted = new Map<string, string[]>();
    const relations = [...recipe.buildDepends, ...recipe.packages.flatMap((pkg) => pkg.depends)];
    for (const name of relations.flatMap(relationNames)) {
      const provider = providers.get(name);
      if (!provider || provider === recipe.name) continue;
      const names = wanted.get(provider) ?? [];
      if (!names.includes(name)) names.push(name);
      wanted.set(provider, names);
    }
    needs.set(recipe.name, wanted);
  }
  return { targetId, providers, needs };
}

/** The recipes of one dependency cycle, in order, or undefined when there is none. */
export function findCycle(graph: RecipeGraph): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (recipe: string): string[] | undefined => {
    const at = path.indexOf(recipe);
    if (at >= 0) return path.slice(at);
    if (done.has(recipe)) return undefined;
    path.push(recipe);
    for (const provider of [...(graph.needs.get(recipe)?.keys() ?? [])].sort()) {
      const cycle = visit(provider);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(recipe);
    return undefined;
  };
  for (const recipe of [...graph.needs.keys()].sort()) {
    const cycle = visit(recipe);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Refuses a graph with a cycle (exit 2), naming the recipes and the packages that close it. */
export function assertAcyclic(graph: RecipeGraph): void {
  const cycle = findCycle(graph);
  if (!cycle) return;
  const steps = cycle.map((recipe, index) => {
    const next = cycle[(index + 1) % cycle.length]!;
    return `${recipe} needs ${graph.needs.get(recipe)?.get(next)?.join(', ')} from ${next}`;
  });
  throw new ConfigError(`dependency cycle between recipes ${cycle.join(' → ')} → ${cycle[0]} on ${graph.targetId}: ${steps.join('; ')}`, {
    hint: 'a recipe cannot need, to build or to run, a package that is built from something needing it back',
  });
}

/** Build order in stages: every recipe comes after the recipes it needs; a stage's recipes are independent. */
export function buildStages(graph: RecipeGraph, members: Iterable<string> = graph.needs.keys()): string[][] {
  assertAcyclic(graph);
  const left = new Set(members);
  const stages: string[][] = [];
  while (left.size > 0) {
    const ready = [...left].filter((recipe) => ![...(graph.needs.get(recipe)?.keys() ?? [])].some((provider) => left.has(provider))).sort();
    stages.push(ready);
    for (const recipe of ready) left.delete(recipe);
  }
  return stages;
}

/** The providers of `recipe` among `members`, directly or through others. */
export function providersOf(graph: RecipeGraph, recipe: string, members: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  const walk = (name: string): void => {
    for (const provider of graph.needs.get(name)?.keys() ?? []) {
      if (found.has(provider)) continue;
      found.add(provider);
      walk(provider);
    }
  };
  walk(recipe);
  return [...found].filter((name) => members.has(name)).sort();
}

/**
 * Chains: the members linked by dependencies (in either direction, through members only). A chain
 * goes live in one publish or not at all.
 */
export function chainsOf(graph: RecipeGraph, members: ReadonlySet<string>): string[][] {
  const neighbours = new Map<string, Set<string>>([...members].map((name) => [name, new Set<string>()]));
  for (const name of members) {
    for (const provider of graph.needs.get(name)?.keys() ?? []) {
      if (!members.has(provider)) continue;
      neighbours.get(name)!.add(provider);
      neighbours.get(provider)!.add(name);
    }
  }
  const seen = new Set<string>();
  const chains: string[][] = [];
  for (const start of [...members].sort()) {
    if (seen.has(start)) continue;
    const chain: string[] = [];
    const pending = [start];
    seen.add(start);
    while (pending.length > 0) {
      const name = pending.pop()!;
      chain.push(name);
      for (const next of neighbours.get(name) ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          pending.push(next);
        }
      }
    }
    chains.push(chain.sort());
  }
  return chains;
}
