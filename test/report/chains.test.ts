import { afterEach, describe, expect, it } from 'vitest';
import { recordChains } from '../../src/pipeline/chain-record.js';
import type { RecipeGraph } from '../../src/pipeline/graph.js';
import type { JobOutcome, RunSummary } from '../../src/pipeline/run.js';
import { statusDocument, type RecipeInfo } from '../../src/report/model.js';
import { indexPage } from '../../src/report/pages.js';
import { StatusDocument } from '../../src/report/schema.js';
import { makeFixture, NOW, type Fixture } from './fixture.js';

/**
 * Chains on the status page and in status.json (issue 15): libtick provides libtick-dev, which
 * tock needs; runs record what they kept out (recordChains) and the report shows it.
 */
const graph: RecipeGraph = {
  targetId: 'debian-12',
  providers: new Map([
    ['libtick1', 'libtick'],
    ['libtick-dev', 'libtick'],
    ['tock', 'tock'],
  ]),
  needs: new Map([
    ['libtick', new Map()],
    ['tock', new Map([['libtick', ['libtick-dev']]])],
  ]),
};
const graphs = new Map([['debian-12', graph]]);
const order: RunSummary['order'] = [{ targetId: 'debian-12', stages: [['libtick'], ['tock']], chains: [['libtick', 'tock']] }];
const infos: RecipeInfo[] = ['libtick', 'tock'].map((name) => ({ name, summary: `${name} summary`, homepage: 'https://example.org/tick/', sourcePackage: name, skips: {} }));
const packageVersion = '1.0-0~deb12+freshet1';
const AT = '2025-05-01T12:00:00.000Z';

function outcome(recipe: string, status: JobOutcome['status'], blockedBy?: JobOutcome['blockedBy']): JobOutcome {
  const action = { kind: 'build' as const, recipe, targetId: 'debian-12', upstreamVersion: '1.0', packageVersion, rebuild: 1, inputsHash: 'inputs', why: 'new upstream release' };
  return { action, buildId: `${recipe}_debian-12_1.0_r1`, status, blockedBy };
}

let fixture: Fixture | undefined;
afterEach(() => fixture?.state.close());

/** The fixture's state with libtick and tock 1.0 seen upstream, and libtick's build (failed or passed). */
function chainState(libtick: 'failed' | 'ok'): Fixture {
  fixture = makeFixture();
  const { state } = fixture;
  for (const name of ['libtick', 'tock']) {
    state.recordRelease(name, { upstreamVersion: '1.0', url: `http://127.0.0.1/tick/${name}-1.0.tar.gz` }, '2025-05-01T00:00:00Z');
    state.recordCheck(name, { ok: true, newest: '1.0', checkedAt: '2025-05-01T00:00:00Z' });
  }
  const id = 'libtick_debian-12_1.0_r1';
  state.startBuild({ id, recipe: 'libtick', targetId: 'debian-12', upstreamVersion: '1.0', packageVersion, rebuild: 1, logFile: '/nonexistent/build.log', startedAt: '2025-05-01T10:00:00Z' });
  state.finishBuild({ jobId: id, recipe: 'libtick', targetId: 'debian-12', packageVersion, status: libtick, error: libtick === 'failed' ? 'build of libtick exited with 2' : undefined, artifacts: [], logFile: '/nonexistent/build.log', startedAt: '2025-05-01T10:00:00Z', finishedAt: '2025-05-01T10:05:00Z' });
  if (libtick === 'ok') state.recordGate(id, { status: 'passed', at: '2025-05-01T10:06:00Z' });
  return fixture;
}

const documentOf = (f: Fixture) => StatusDocument.parse(JSON.parse(JSON.stringify(statusDocument(f.config, [...f.recipes, ...infos], f.state, { now: NOW, fingerprint: null }))));
const cellOf = (doc: StatusDocument, recipe: string) => doc.recipes.find((entry) => entry.name === recipe)!.cells.find((cell) => cell.target === 'debian-12')!;

describe('chains in the status report', () => {
  it('a failed provider: its dependent is waiting on it, and the chain is held, in status.json and on the page', () => {
    const f = chainState('failed');
    recordChains(f.state, order, graphs, [outcome('libtick', 'build-failed'), outcome('tock', 'waiting', [{ recipe: 'libtick', status: 'build-failed' }])], AT);
    const doc = documentOf(f);

    expect(cellOf(doc, 'tock')).toMatchObject({
      state: 'pending',
      note: 'waiting on libtick (build failed)',
      blocked: { status: 'waiting', packageVersion, on: [{ recipe: 'libtick', status: 'build-failed' }], at: AT },
    });
    expect(cellOf(doc, 'libtick')).toMatchObject({ state: 'failed', note: 'build of 1.0 failed; nothing published yet', blocked: null });
    expect(doc.chains).toEqual([
      { target: 'debian-12', members: ['libtick', 'tock'], edges: [{ provider: 'libtick', dependent: 'tock' }], state: 'held', note: 'tock: waiting on libtick (build failed)', recordedAt: AT },
    ]);

    const page = indexPage(doc);
    const chains = page.slice(page.indexOf('<h2 id="chains">'), page.indexOf('<h2 id="use">'));
    expect(chains).toContain('<td>debian-12</td><td>libtick → tock</td>');
    expect(chains).toContain('<span class="state">held</span><span class="note">tock: waiting on libtick (build failed)</span>');
    expect(page).toMatch(/<td class="cell st-pending" data-target="debian-12">[^]*?<span class="note">waiting on libtick \(build failed\)<\/span>/);
  });

  it('a dependent whose gate failed holds back the provider that passed', () => {
    const f = chainState('ok');
    recordChains(f.state, order, graphs, [outcome('libtick', 'held', [{ recipe: 'tock', status: 'gate-failed' }]), outcome('tock', 'gate-failed')], AT);
    const doc = documentOf(f);

    expect(cellOf(doc, 'libtick')).toMatchObject({ state: 'pending', note: 'held: tock of its chain did not pass', blocked: { status: 'held' } });
    expect(doc.chains?.[0]).toMatchObject({ state: 'held', note: 'libtick: held: tock of its chain did not pass' });
  });

  it('once the chain passes, the next run clears what it kept out and the chain is live', () => {
    const f = chainState('ok');
    recordChains(f.state, order, graphs, [outcome('libtick', 'build-failed'), outcome('tock', 'waiting', [{ recipe: 'libtick', status: 'build-failed' }])], AT);
    for (const recipe of ['libtick', 'tock']) {
      const buildId = `${recipe}_debian-12_1.0_r1`;
      if (recipe === 'tock') f.state.startBuild({ id: buildId, recipe, targetId: 'debian-12', upstreamVersion: '1.0', packageVersion, rebuild: 1, logFile: '/nonexistent/build.log', startedAt: '2025-05-01T13:00:00Z' });
      f.state.recordPublication({ recipe, targetId: 'debian-12', packageVersion, upstreamVersion: '1.0', buildId, publishedAt: '2025-05-01T14:00:00Z' });
    }
    recordChains(f.state, order, graphs, [outcome('libtick', 'published'), outcome('tock', 'published')], '2025-05-01T14:00:00.000Z');
    const doc = documentOf(f);

    expect(cellOf(doc, 'tock')).toMatchObject({ state: 'newest', note: null, blocked: null });
    expect(doc.chains).toEqual([
      { target: 'debian-12', members: ['libtick', 'tock'], edges: [{ provider: 'libtick', dependent: 'tock' }], state: 'live', note: null, recordedAt: '2025-05-01T14:00:00.000Z' },
    ]);
    expect(indexPage(doc)).toContain('<span class="state">live</span>');
  });
});
