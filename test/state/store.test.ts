import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../src/state/migrations.js';
import { STATE_DB, StateStore } from '../../src/state/store.js';
import type { BuildResult } from '../../src/types.js';

const release = { upstreamVersion: '2.12.3', url: 'https://ftp.gnu.org/gnu/hello/hello-2.12.3.tar.gz' };

describe('StateStore', () => {
  it('migrates a new database to the latest schema and reopens it without re-running migrations', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshet-state-'));
    StateStore.open(dir).close();
    const db = new Database(path.join(dir, STATE_DB));
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    db.close();
    const again = StateStore.open(dir);
    expect(again.releases('hello')).toEqual([]);
    again.close();
  });

  it('refuses a database from a newer freshet', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshet-state-'));
    const db = new Database(path.join(dir, STATE_DB));
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    expect(() => StateStore.open(dir)).toThrow(/newer freshet/);
  });

  it('records a release once and keeps the first time it was seen', () => {
    const store = StateStore.openFile(':memory:');
    expect(store.recordRelease('hello', release, '2026-01-01T00:00:00Z')).toEqual({ isNew: true, seenAt: '2026-01-01T00:00:00Z' });
    expect(store.recordRelease('hello', release, '2026-02-01T00:00:00Z')).toEqual({ isNew: false, seenAt: '2026-01-01T00:00:00Z', moved: false });
    expect(store.releases('hello')).toHaveLength(1);
    // The recipe's upstream changed: the known version is fetched from the new URL, first sighting kept.
    expect(store.recordRelease('hello', { ...release, url: 'https://mirror.example.org/hello-2.12.3.tar.gz' }, '2026-03-01T00:00:00Z')).toEqual({ isNew: false, seenAt: '2026-01-01T00:00:00Z', moved: true });
    expect(store.release('hello', '2.12.3')).toMatchObject({ url: 'https://mirror.example.org/hello-2.12.3.tar.gz', seenAt: '2026-01-01T00:00:00Z' });
  });

  it('keeps the first recorded tarball hash', () => {
    const store = StateStore.openFile(':memory:');
    store.recordRelease('hello', release, '2026-01-01T00:00:00Z');
    store.setReleaseHash('hello', '2.12.3', 'a'.repeat(64), 10);
    store.setReleaseHash('hello', '2.12.3', 'b'.repeat(64), 11);
    expect(store.release('hello', '2.12.3')).toMatchObject({ sha256: 'a'.repeat(64), size: 10 });
  });

  it('numbers rebuilds per recipe, target and upstream version, and marks killed builds interrupted', () => {
    const store = StateStore.openFile(':memory:');
    expect(store.nextRebuild('hello', 'debian-12', '2.12.3')).toEqual({ rebuild: 1, attempts: 0 });
    const base = { recipe: 'hello', targetId: 'debian-12', upstreamVersion: '2.12.3', logFile: 'x.log', startedAt: '2026-01-01T00:00:00Z' };
    store.startBuild({ ...base, id: 'b1', packageVersion: '2.12.3-0~deb12+freshet1', rebuild: 1 });
    store.startBuild({ ...base, id: 'b2', packageVersion: '2.12.3-0~deb12+freshet2', rebuild: 2 });
    expect(store.nextRebuild('hello', 'debian-12', '2.12.3')).toEqual({ rebuild: 3, attempts: 0 });
    expect(store.nextRebuild('hello', 'debian-13', '2.12.3')).toEqual({ rebuild: 1, attempts: 0 });
    const result: BuildResult = {
      jobId: 'b1',
      recipe: 'hello',
      targetId: 'debian-12',
      packageVersion: '2.12.3-0~deb12+freshet1',
      status: 'ok',
      artifacts: [],
      logFile: 'x.log',
      startedAt: base.startedAt,
      finishedAt: '2026-01-01T00:01:00Z',
    };
    store.finishBuild(result);
    store.db.prepare(`UPDATE builds SET owner = '999999999:gone' WHERE id = 'b2'`).run();
    expect(store.markInterruptedBuilds('2026-01-01T00:02:00Z')).toBe(1);
    expect(store.build('b1')).toMatchObject({ status: 'ok', result });
    expect(store.build('b2')).toMatchObject({ status: 'interrupted' });
  });

  it('reuses the rebuild number of builds that failed or failed their gate (never live); anything that may have gone live consumes its number', () => {
    const store = StateStore.openFile(':memory:');
    const base = { recipe: 'hello', targetId: 'debian-12', upstreamVersion: '2.12.3', logFile: 'x.log', startedAt: '2026-01-01T00:00:00Z' };
    const finish = (id: string, status: 'ok' | 'failed') =>
      store.finishBuild({ jobId: id, recipe: 'hello', targetId: 'debian-12', packageVersion: 'v', status, artifacts: [], logFile: 'x.log', startedAt: base.startedAt, finishedAt: base.startedAt });
    store.startBuild({ ...base, id: 'r1', packageVersion: '2.12.3-0~deb12+freshet1', rebuild: 1 });
    finish('r1', 'failed');
    expect(store.nextRebuild('hello', 'debian-12', '2.12.3')).toEqual({ rebuild: 1, attempts: 1 });
    store.startBuild({ ...base, id: 'r1.2', packageVersion: '2.12.3-0~deb12+freshet1', rebuild: 1 });
    finish('r1.2', 'ok');
    store.recordGate('r1.2', { status: 'failed', at: base.startedAt });
    expect(store.nextRebuild('hello', 'debian-12', '2.12.3')).toEqual({ rebuild: 1, attempts: 2 });
    // Passed its gate: it may be live (or go live on a publish that was stopped), so 1 is taken for good.
    store.startBuild({ ...base, id: 'r1.3', packageVersion: '2.12.3-0~deb12+freshet1', rebuild: 1 });
    finish('r1.3', 'ok');
    store.recordGate('r1.3', { status: 'passed', at: base.startedAt });
    expect(store.nextRebuild('hello', 'debian-12', '2.12.3')).toEqual({ rebuild: 2, attempts: 0 });
    store.startBuild({ ...base, id: 'r2', packageVersion: '2.12.3-0~deb12+freshet2', rebuild: 2 });
    store.interruptBuild('r2', base.startedAt);
    expect(store.nextRebuild('hello', 'debian-12', '2.12.3')).toEqual({ rebuild: 3, attempts: 0 });
  });

  it('case 43: marks builds interrupted only when their freshet process is gone, on every open of the state', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshet-state-'));
    const store = StateStore.open(dir);
    const base = { recipe: 'hello', targetId: 'debian-12', upstreamVersion: '2.12.3', logFile: 'x.log', startedAt: '2026-01-01T00:00:00Z' };
    store.startBuild({ ...base, id: 'mine', packageVersion: '2.12.3-0~deb12+freshet1', rebuild: 1 });
    store.startBuild({ ...base, id: 'live', packageVersion: '2.12.3-0~deb12+freshet2', rebuild: 2 });
    store.startBuild({ ...base, id: 'killed', packageVersion: '2.12.3-0~deb12+freshet3', rebuild: 3 });
    store.startBuild({ ...base, id: 'untraced', packageVersion: '2.12.3-0~deb12+freshet4', rebuild: 4 });
    // Another live process (vitest's parent), a pid that no process has, and a row from before owners were kept.
    store.db.prepare(`UPDATE builds SET owner = ? WHERE id = 'live'`).run(`${process.ppid}:other`);
    store.db.prepare(`UPDATE builds SET owner = '999999999:gone' WHERE id = 'killed'`).run();
    store.db.prepare(`UPDATE builds SET owner = NULL WHERE id = 'untraced'`).run();
    store.close();

    const next = StateStore.open(dir);
    expect(next.build('mine')).toMatchObject({ status: 'running' });
    expect(next.build('live')).toMatchObject({ status: 'running' });
    expect(next.build('killed')).toMatchObject({ status: 'interrupted', error: 'freshet was killed during the build' });
    expect(next.build('untraced')).toMatchObject({ status: 'interrupted' });
    next.interruptBuild('mine', '2026-01-01T00:03:00Z');
    expect(next.build('mine')).toMatchObject({ status: 'interrupted', error: 'freshet stopped during the build', finishedAt: '2026-01-01T00:03:00Z' });
    next.close();
  });

  it('reports the newest live publication and forgets removed ones', () => {
    const store = StateStore.openFile(':memory:');
    store.startBuild({
      id: 'b1',
      recipe: 'hello',
      targetId: 'debian-12',
      upstreamVersion: '2.12.3',
      packageVersion: '2.12.3-0~deb12+freshet1',
      rebuild: 1,
      logFile: 'x.log',
      startedAt: '2026-01-01T00:00:00Z',
    });
    store.recordPublication({
      recipe: 'hello',
      targetId: 'debian-12',
      packageVersion: '2.12.3-0~deb12+freshet1',
      upstreamVersion: '2.12.3',
      buildId: 'b1',
      publishedAt: '2026-01-01T00:05:00Z',
    });
    expect(store.publishedVersion('hello', 'debian-12')).toBe('2.12.3');
    store.markUnpublished('hello', 'debian-12', '2.12.3-0~deb12+freshet1', '2026-01-02T00:00:00Z');
    expect(store.publishedVersion('hello', 'debian-12')).toBeUndefined();
  });

  it('stores HTTP validators with the body for conditional requests', () => {
    const store = StateStore.openFile(':memory:');
    store.setHttpCache('http://x/', { etag: '"1"', body: Buffer.from('index') });
    expect(store.httpCache('http://x/')).toEqual({ etag: '"1"', lastModified: undefined, body: Buffer.from('index') });
  });

  it('keeps one waiting or held record per recipe and target, and a chain replaces the chains it overlaps', () => {
    const store = StateStore.openFile(':memory:');
    const waiting = { recipe: 'tock', targetId: 'debian-12', packageVersion: '1.0-0~deb12+freshet1', status: 'waiting' as const, blockedBy: [{ recipe: 'libtick', status: 'build-failed' }], at: '2026-01-01T00:00:00Z' };
    store.setBlocked(waiting);
    store.setBlocked({ ...waiting, status: 'held', blockedBy: [{ recipe: 'libtick', status: 'gate-failed' }] });
    expect(store.blockedJobs({ targetId: 'debian-12' })).toEqual([{ ...waiting, status: 'held', blockedBy: [{ recipe: 'libtick', status: 'gate-failed' }] }]);
    store.clearBlocked('tock', 'debian-12');
    expect(store.blockedJobs()).toEqual([]);

    const chain = (members: string[], recordedAt: string) => ({ targetId: 'debian-12', members, edges: [{ provider: 'libtick', dependent: 'tock' }], recordedAt });
    store.recordChain(chain(['libtick', 'tock'], '2026-01-01T00:00:00Z'));
    store.recordChain(chain(['other', 'thing'], '2026-01-01T00:00:00Z'));
    store.recordChain(chain(['libtick', 'tock', 'tock-extra'], '2026-01-02T00:00:00Z'));
    expect(store.chains('debian-12').map((row) => row.members)).toEqual([['libtick', 'tock', 'tock-extra'], ['other', 'thing']]);
    expect(store.chains('debian-13')).toEqual([]);
  });

  it('case 52: records the class of a failure and counts the infrastructure failures of the same inputs in a row', () => {
    const store = StateStore.openFile(':memory:');
    const build = (id: string, startedAt: string, inputsHash = 'h1') =>
      store.startBuild({ id, recipe: 'hello', targetId: 'debian-12', upstreamVersion: '2.12.3', packageVersion: '2.12.3-1', rebuild: 1, logFile: '/x', startedAt, inputsHash });
    build('a', '2026-01-01T00:00:00Z');
    store.recordFailure('a', { class: 'infrastructure', reason: 'apt could not download from the mirror' });
    expect(store.build('a')).toMatchObject({ failureClass: 'infrastructure', failureReason: 'apt could not download from the mirror' });
    build('b', '2026-01-01T01:00:00Z');
    store.recordFailure('b', { class: 'infrastructure', reason: 'container engine error (exit 125)' });
    expect(store.infrastructureFailures('hello', 'debian-12', '2.12.3', 'h1')).toBe(2);
    // A packaging failure, or other inputs, ends the run of infrastructure failures.
    build('c', '2026-01-01T02:00:00Z');
    store.recordFailure('c', { class: 'packaging', reason: 'the build step failed' });
    expect(store.infrastructureFailures('hello', 'debian-12', '2.12.3', 'h1')).toBe(0);
    build('d', '2026-01-01T03:00:00Z', 'h2');
    store.recordFailure('d', { class: 'infrastructure', reason: 'disk full' });
    expect(store.infrastructureFailures('hello', 'debian-12', '2.12.3', 'h2')).toBe(1);
    expect(() => store.db.prepare(`UPDATE builds SET failure_class = 'weather' WHERE id = 'a'`).run()).toThrow(/CHECK constraint/);
    store.close();
  });
});
