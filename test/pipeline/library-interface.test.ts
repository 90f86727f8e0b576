import { describe, expect, it } from 'vitest';
import { describeChanges, followInterfaces, interfaceChanges, libraryInterface } from '../../src/pipeline/library-interface.js';
import type { PlannedAction, TargetSnapshot } from '../../src/pipeline/plan.js';
import type { BuildArtifact, Target } from '../../src/types.js';

const deb = (pkg: string, sharedLibrary?: BuildArtifact['sharedLibrary']): BuildArtifact => ({ file: `${pkg}.deb`, kind: 'deb', size: 1, sha256: 'x', fields: { Package: pkg }, sharedLibrary });
const rpm = (provides: string[]): BuildArtifact => ({ file: 'libtick.rpm', kind: 'rpm', size: 1, sha256: 'x', fields: { NAME: 'libtick', PROVIDENEVRS: provides.join('\n') } });

const symbols = (entries: string[]) => ['libtick.so.2 libtick2 #MINVER#', '* Build-Depends-Package: libtick-dev', ...entries.map((entry) => ` ${entry}`), ''].join('\n');

describe('what a library build offers its dependents', () => {
  it('case 57: a raised shlibs minimum is a change, the same shlibs is none', () => {
    const live = libraryInterface([deb('libtick2', { shlibs: 'libtick 2 libtick2 (>= 2.0~)\n' }), deb('libtick-dev', {})]);
    const same = libraryInterface([deb('libtick2', { shlibs: 'libtick 2 libtick2 (>= 2.0~)\n' }), deb('libtick-dev', {})]);
    const raised = libraryInterface([deb('libtick2', { shlibs: 'libtick 2 libtick2 (>= 2.1~)\n' }), deb('libtick-dev', {})]);
    expect(interfaceChanges(live, same)).toEqual([]);
    expect(interfaceChanges(live, raised)).toEqual(['shlibs libtick 2: libtick2 (>= 2.0~) → libtick2 (>= 2.1~)']);
  });

  it('case 57: a symbols file decides over shlibs: a new symbol is a change, a raised shlibs line alone is not', () => {
    const live = libraryInterface([deb('libtick2', { shlibs: 'libtick 2 libtick2 (>= 2.0~)\n', symbols: symbols(['tick_version@Base 2.0~']) })]);
    const shlibsOnly = libraryInterface([deb('libtick2', { shlibs: 'libtick 2 libtick2 (>= 2.1~)\n', symbols: symbols(['tick_version@Base 2.0~']) })]);
    const added = libraryInterface([deb('libtick2', { shlibs: 'libtick 2 libtick2 (>= 2.1~)\n', symbols: symbols(['tick_version@Base 2.0~', 'tick_extra@Base 2.1~']) })]);
    const raised = libraryInterface([deb('libtick2', { symbols: symbols(['tick_version@Base 2.1~']) })]);
    expect(interfaceChanges(live, shlibsOnly)).toEqual([]);
    expect(interfaceChanges(live, added)).toEqual(['new symbol tick_extra@Base of libtick.so.2 (2.1~)']);
    expect(interfaceChanges(live, raised)).toEqual(['symbol tick_version@Base of libtick.so.2: 2.0~ → 2.1~']);
  });

  it('reads tagged and quoted C++ symbols and alternative dependencies', () => {
    const read = libraryInterface([deb('libtick2', { symbols: ['libtick.so.2 libtick2 #MINVER#', '| libtick-compat', ' (c++)"tick::now() const@Base" 2.0~', ' (optional)tick_old@Base 1.0 1', ''].join('\n') })]);
    expect(read).toEqual(
      new Map([
        ['symbols dependency of libtick.so.2', 'libtick2 #MINVER# | libtick-compat'],
        ['symbol (c++)"tick::now() const@Base" of libtick.so.2', '2.0~'],
        ['symbol (optional)tick_old@Base of libtick.so.2', '1.0'],
      ]),
    );
  });

  it('case 57: on RPM, a new symbol version node in the soname Provides is a change; the package version is not', () => {
    const live = libraryInterface([rpm(['libtick = 2.0-0.deb12.freshet1', 'libtick.so.2()(64bit)', 'libtick.so.2(TICK_2.0)(64bit)'])]);
    const same = libraryInterface([rpm(['libtick = 2.0-0.deb12.freshet2', 'libtick.so.2()(64bit)', 'libtick.so.2(TICK_2.0)(64bit)'])]);
    const node = libraryInterface([rpm(['libtick = 2.1-0.deb12.freshet1', 'libtick.so.2()(64bit)', 'libtick.so.2(TICK_2.0)(64bit)', 'libtick.so.2(TICK_2.1)(64bit)'])]);
    expect(interfaceChanges(live, same)).toEqual([]);
    expect(interfaceChanges(live, node)).toEqual(['new provides libtick.so.2(TICK_2.1)(64bit)']);
  });

  it('cannot compare with a live build that recorded nothing, so it counts as a change', () => {
    const unrecorded = libraryInterface([deb('libtick2')]);
    expect(unrecorded).toBeUndefined();
    expect(interfaceChanges(unrecorded, libraryInterface([deb('libtick2', {})]))).toEqual(['the live build recorded no shared-library interface to compare with']);
  });

  it('names a few changes and counts the rest', () => {
    expect(describeChanges(['a', 'b', 'c', 'd', 'e'])).toBe('a; b; c; and 2 more');
  });
});

describe('rebuilds that follow new shared-library requirements', () => {
  const target = { id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm' } as Target;
  const snapshot: TargetSnapshot = { shipped: null, published: undefined, lastBuild: undefined, highestRebuild: 2 };
  const input = {
    target,
    needs: new Map([
      ['tock', new Map([['libtick', ['libtick-dev']]])],
      ['libtick', new Map()],
      ['hello', new Map()],
    ]),
    declared: new Map([['libtick', ['libtick2', 'libtick-dev']]]),
    live: new Map(),
    snapshots: new Map([
      ['tock', { snapshot, inputsHash: 't' }],
      ['hello', { snapshot, inputsHash: 'h' }],
    ]),
  };

  it('case 57: plans the live dependent of a library being built as a conditional rebuild with the next rebuild number, saying why', () => {
    const actions: PlannedAction[] = [
      { kind: 'build', recipe: 'libtick', targetId: 'debian-12', upstreamVersion: '2.1', packageVersion: '2.1-0~deb12+freshet1', rebuild: 1, inputsHash: 'b', why: 'new upstream release' },
      { kind: 'up-to-date', recipe: 'tock', targetId: 'debian-12', upstreamVersion: '1.0', packageVersion: '1.0-0~deb12+freshet2' },
      { kind: 'up-to-date', recipe: 'hello', targetId: 'debian-12', upstreamVersion: '1.0', packageVersion: '1.0-0~deb12+freshet1' },
    ];
    const [, tock, hello] = followInterfaces(actions, input);
    expect(tock).toMatchObject({ kind: 'build', recipe: 'tock', upstreamVersion: '1.0', rebuild: 3, packageVersion: '1.0-0~deb12+freshet3', inputsHash: 't', onlyIf: ['libtick'] });
    expect(tock?.kind === 'build' && tock.why).toBe('rebuilt against libtick 2.1 only if it changes what tock links against (its shlibs or symbols, compared with the live build once built)');
    expect(hello).toEqual(actions[2]);
  });

  it('leaves dependents alone when their providers are not being built', () => {
    const actions: PlannedAction[] = [
      { kind: 'up-to-date', recipe: 'libtick', targetId: 'debian-12', upstreamVersion: '2.0', packageVersion: '2.0-0~deb12+freshet1' },
      { kind: 'up-to-date', recipe: 'tock', targetId: 'debian-12', upstreamVersion: '1.0', packageVersion: '1.0-0~deb12+freshet2' },
    ];
    expect(followInterfaces(actions, input)).toEqual(actions);
  });
});
