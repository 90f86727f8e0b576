import { afterAll, describe, expect, it } from 'vitest';
import { decideState, lagFor, lintSummary, statusDocument, type CellFacts } from '../../src/report/model.js';
import { makeFixture, NOW } from './fixture.js';

const base: CellFacts = { skip: undefined, newest: '2.12.3', shipped: null, published: null, newestBuild: null };

describe('decideState', () => {
  it.each<[string, Partial<CellFacts>, string, string | null]>([
    ['skip wins over everything', { skip: 'no cmake 3.28 on bookworm', published: '2.12.3' }, 'skipped', 'no cmake 3.28 on bookworm'],
    ['no upstream version', { newest: null }, 'unknown', 'no upstream release known yet'],
    ['publishes the newest', { published: '2.12.3' }, 'newest', null],
    ['v prefix and order like dpkg', { newest: 'v1.10', published: '1.10' }, 'newest', null],
    ['1.9 is older than 1.10', { newest: '1.10', published: '1.9' }, 'outdated', '1.10 not yet built'],
    ['distribution ships the newest', { shipped: '2.12.3-1' }, 'distro-current', 'the distribution ships 2.12.3-1'],
    ['distribution ships an epoch version', { shipped: '1:2.12.3-2' }, 'distro-current', 'the distribution ships 1:2.12.3-2'],
    ['distribution ships an older one', { shipped: '2.10-3' }, 'pending', '2.12.3 not yet built'],
    ['failed build, older still served', { published: '2.12.2', newestBuild: { status: 'failed', gate: null } }, 'failed', 'build of 2.12.3 failed; 2.12.2 still served'],
    ['interrupted build, nothing served', { newestBuild: { status: 'interrupted', gate: null } }, 'failed', 'build of 2.12.3 interrupted; nothing published yet'],
    ['failed gate', { published: '2.12.2', newestBuild: { status: 'ok', gate: 'failed' } }, 'failed', 'gate of 2.12.3 failed; 2.12.2 still served'],
    ['building', { newestBuild: { status: 'running', gate: null } }, 'pending', 'building 2.12.3'],
    ['built, not yet published', { published: '2.12.2', newestBuild: { status: 'ok', gate: 'passed' } }, 'outdated', '2.12.3 built, not yet published'],
  ])('%s', (_name, facts, state, note) => {
    expect(decideState({ ...base, ...facts })).toEqual({ state, note });
  });
});

describe('lintSummary', () => {
  it('counts tags, most frequent first, at most five', () => {
    const summary = lintSummary({ tool: 'rpmlint', errors: 1, warnings: 7, tags: ['b', 'a', 'b', 'c', 'd', 'e', 'f', 'b', 'a'] });
    expect(summary).toEqual({
      tool: 'rpmlint',
      errors: 1,
      warnings: 7,
      topTags: [
        { tag: 'b', count: 3 },
        { tag: 'a', count: 2 },
        { tag: 'c', count: 1 },
        { tag: 'd', count: 1 },
        { tag: 'e', count: 1 },
      ],
      findings: [],
    });
    expect(lintSummary(undefined)).toBeNull();
  });

  it('counts tags from the findings and shows the findings, errors first, with package and details', () => {
    const findings = [
      { severity: 'warning' as const, package: 'hello', tag: 'no-manual-page', info: '[usr/bin/hello]' },
      { severity: 'warning' as const, package: 'hello', tag: 'no-manual-page', info: '[usr/bin/hola]' },
      { severity: 'error' as const, package: 'hello', tag: 'embedded-library', info: 'zlib [usr/bin/hello]' },
    ];
    const summary = lintSummary({ tool: 'lintian', errors: 1, warnings: 2, tags: ['embedded-library', 'no-manual-page'], findings });
    expect(summary?.topTags).toEqual([{ tag: 'no-manual-page', count: 2 }, { tag: 'embedded-library', count: 1 }]);
    expect(summary?.findings).toEqual([findings[2], findings[0], findings[1]]);
  });
});

describe('status model from state rows', () => {
  const fixture = makeFixture();
  afterAll(() => fixture.state.close());
  const doc = statusDocument(fixture.config, fixture.recipes, fixture.state, { now: NOW, fingerprint: null });
  const cell = (recipe: string, target: string) => doc.recipes.find((r) => r.name === recipe)!.cells.find((c) => c.target === target)!;

  it('reports only enabled targets', () => {
    expect(doc.targets.map((target) => target.id)).toEqual(['debian-12', 'debian-13']);
  });

  it('hello: newest on both targets, with what the distribution ships and the final lag', () => {
    const bookworm = cell('hello', 'debian-12');
    expect(bookworm).toMatchObject({ state: 'newest', newest: '2.12.3', shipped: '2.10-3', published: '2.12.3', publishedPackageVersion: '2.12.3-1~freshet1' });
    // Seen 2025-05-01 00:00, build started 2 h later, published 30 min after that.
    expect(bookworm.lag).toEqual({ seconds: 2.5 * 3600, ongoing: false, upstreamVersion: '2.12.3' });
    expect(cell('hello', 'debian-13').lag?.seconds).toBe(3.5 * 3600);
    expect(bookworm.build?.lint).toMatchObject({ errors: 0, warnings: 2 });
    expect(bookworm.build?.gate?.status).toBe('passed');
  });

  it('frob: failed with the older version still served, the lag so far marked ongoing', () => {
    const failed = cell('frob', 'debian-12');
    expect(failed.state).toBe('failed');
    expect(failed.note).toBe('build of 1.4 failed; 1.3 still served');
    expect(failed.lag).toEqual({ seconds: 2 * 86_400, ongoing: true, upstreamVersion: '1.4' });
    expect(cell('frob', 'debian-13')).toMatchObject({ state: 'pending', published: null, build: null });
  });

  it('lag history has one point per published version and target, oldest first', () => {
    const hello = doc.recipes.find((recipe) => recipe.name === 'hello')!;
    expect(hello.lagHistory.map((point) => `${point.target} ${point.upstreamVersion}`)).toEqual([
      'debian-12 2.12.2',
      'debian-13 2.12.2',
      'debian-12 2.12.3',
      'debian-13 2.12.3',
    ]);
    expect(hello.history).toHaveLength(4);
  });

  it('skips from the recipe become skipped cells with the reason', () => {
    const skipped = statusDocument(
      fixture.config,
      [{ ...fixture.recipes[0]!, skips: { 'debian-12': 'bookworm lacks meson 1.3' } }],
      fixture.state,
      { now: NOW, fingerprint: null },
    );
    expect(skipped.recipes[0]!.cells[0]).toMatchObject({ state: 'skipped', note: 'bookworm lacks meson 1.3', lag: null });
  });

  it('lag of a version never seen upstream is unknown (null)', () => {
    expect(lagFor('hello', 'debian-12', '9.9', fixture.state, NOW)).toBeNull();
  });

  it('a recipe without any state row is unknown', () => {
    const fresh = statusDocument(fixture.config, [{ name: 'new', summary: 's', homepage: 'https://example.org/', sourcePackage: 'new', skips: {} }], fixture.state, {
      now: NOW,
      fingerprint: null,
    });
    expect(fresh.recipes[0]!.cells.map((c) => c.state)).toEqual(['unknown', 'unknown']);
  });
});
