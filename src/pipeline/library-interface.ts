import type { StateStore } from '../state/store.js';
import type { BuildArtifact, Target } from '../types.js';
import { rebuildFollowing, type FollowInput, type PlannedAction } from './plan.js';

/**
 * What a library's build offers the packages built against it, and whether a new build changes
 * it (issue 15): Debian's `shlibs` lines and `symbols` files (the dependency dpkg-shlibdeps writes
 * into a dependent, per symbol from the symbols file where there is one), and on RPM the library's
 * versioned soname Provides (`libtick.so.2(TICK_2.1)(64bit)`: RPM has no minimum versions, a new
 * symbol version node is the only thing a rebuilt dependent can newly require). Pure.
 */
export type LibraryInterface = Map<string, string>;

const SYMBOL_LINE = /^\s+((?:\([^)]*\))*(?:"[^"]*"|\S+))\s+(\S+)/;

/** The interface of a build's binary packages, or undefined when a .deb of it recorded none (built before freshet recorded them). */
export function libraryInterface(artifacts: readonly BuildArtifact[]): LibraryInterface | undefined {
  const entries: LibraryInterface = new Map();
  const shlibs = new Map<string, { soname: string[]; depends: string }>();
  for (const artifact of artifacts) {
    if (artifact.kind === 'rpm') {
      for (const provide of (artifact.fields?.PROVIDENEVRS ?? '').split('\n')) {
        if (/^\S+\.so[^\s(]*\(/.test(provide)) entries.set(`provides ${provide}`, '');
      }
      continue;
    }
    if (artifact.kind !== 'deb') continue;
    if (!artifact.sharedLibrary) return undefined;
    for (const line of (artifact.sharedLibrary.shlibs ?? '').split('\n')) {
      const match = /^(?:(\S+):\s+)?(\S+)\s+(\S+)\s+(.*\S)/.exec(line);
      if (!match || line.startsWith('#')) continue;
      const [, type, library, version, depends] = match;
      // A shlibs line names `libfoo 1` for libfoo.so.1, or libfoo-1.so.
      shlibs.set(`shlibs ${type ? `${type}: ` : ''}${library} ${version}`, { soname: [`${library}.so.${version}`, `${library}-${version}.so`], depends: depends! });
    }
    let soname: string | undefined;
    for (const line of (artifact.sharedLibrary.symbols ?? '').split('\n')) {
      if (line.trim() === '' || line.startsWith('#')) continue;
      if (line.startsWith('|') || line.startsWith('*')) {
        if (soname) entries.set(`symbols dependency of ${soname}`, `${entries.get(`symbols dependency of ${soname}`)} ${line.trim()}`);
        continue;
      }
      const symbol = SYMBOL_LINE.exec(line);
      if (symbol && soname) entries.set(`symbol ${symbol[1]} of ${soname}`, symbol[2]!);
      else if (!/^\s/.test(line)) {
        const [name, ...template] = line.trim().split(/\s+/);
        soname = name!;
        entries.set(`symbols dependency of ${soname}`, template.join(' '));
      }
    }
  }
  // dpkg-shlibdeps takes a library's dependency from its symbols file when it has one, else from shlibs.
  for (const [key, { soname, depends }] of shlibs) {
    if (!soname.some((name) => entries.has(`symbols dependency of ${name}`))) entries.set(key, depends);
  }
  return entries;
}

/** What changed for dependents between the live build's interface and the new one: empty when nothing did. */
export function interfaceChanges(live: LibraryInterface | undefined, next: LibraryInterface | undefined): string[] {
  if (!live || !next) return ['the live build recorded no shared-library interface to compare with'];
  const changes: string[] = [];
  for (const [key, value] of next) {
    const before = live.get(key);
    if (before === undefined) changes.push(`new ${key}${value ? ` (${value})` : ''}`);
    else if (before !== value) changes.push(`${key}: ${before} → ${value}`);
  }
  for (const key of live.keys()) if (!next.has(key)) changes.push(`${key} gone`);
  return changes;
}

/** The changes, a few of them named. */
export function describeChanges(changes: readonly string[], shown = 3): string {
  return changes.length > shown ? `${changes.slice(0, shown).join('; ')}; and ${changes.length - shown} more` : changes.join('; ');
}

const interfaceWords = (target: Target) => (target.family === 'rpm' ? 'its shared-library Provides' : 'its shlibs or symbols');

/**
 * Rebuilds that follow new shared-library requirements under the same package names: a live
 * dependent of a provider this run builds is planned for a rebuild (next rebuild number) that
 * happens only if the provider's new build changes what a dependent links against, which is known
 * once it is built; the run compares and then builds it, or leaves the live one.
 */
export function followInterfaces(actions: readonly PlannedAction[], input: FollowInput): PlannedAction[] {
  const building = new Map(actions.filter((action) => action.kind === 'build').map((action) => [action.recipe, action]));
  return actions.map((action) => {
    if (action.kind !== 'up-to-date') return action;
    const providers = [...(input.needs.get(action.recipe)?.keys() ?? [])].filter((provider) => building.has(provider)).sort();
    if (providers.length === 0) return action;
    const against = providers.map((provider) => `${provider} ${building.get(provider)!.upstreamVersion}`).join(', ');
    const why = `rebuilt against ${against} only if it changes what ${action.recipe} links against (${interfaceWords(input.target)}, compared with the live build once built)`;
    return { ...rebuildFollowing(action, input, why), onlyIf: providers };
  });
}

/**
 * For a rebuild planned by followInterfaces, once its providers passed: what their new builds
 * (gated in this run) changed against their live builds. Empty: the dependent is not rebuilt.
 */
export function interfaceRebuildReasons(
  state: StateStore,
  action: Extract<PlannedAction, { kind: 'build' }>,
  gated: ReadonlyArray<{ action: { recipe: string; targetId: string; upstreamVersion: string }; result: { artifacts: readonly BuildArtifact[] } }>,
): string[] {
  return (action.onlyIf ?? []).flatMap((provider) => {
    const next = gated.find((build) => build.action.recipe === provider && build.action.targetId === action.targetId);
    const live = state.publications({ recipe: provider, targetId: action.targetId, live: true })[0];
    if (!next || !live) return [];
    const changes = interfaceChanges(libraryInterface(state.build(live.buildId)?.result?.artifacts ?? []), libraryInterface(next.result.artifacts));
    return changes.length > 0 ? [`${provider} ${next.action.upstreamVersion}: ${describeChanges(changes)}`] : [];
  });
}
