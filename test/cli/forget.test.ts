import { existsSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rpmProject, withState } from './rpm-project.js';
import { runCli } from './run-cli.js';

/**
 * `freshet forget` writes the state a run writes too (a run records releases as it watches), so it
 * takes the run lock: while a live freshet run holds `<state>/run.lock` it refuses, naming the run,
 * and forgets nothing.
 */
let dir = '';
let config = '';
const stateDir = () => path.join(dir, 'state');

function recordedVersions(): string[] {
  return withState(dir, (state) => state.releases('app').map((row) => row.upstreamVersion));
}

beforeAll(() => {
  ({ dir, config } = rpmProject('freshet-forget-'));
  withState(dir, (state) => state.recordRelease('app', { upstreamVersion: '1.0', url: 'https://example.org/app-1.0.tar.gz' }, '2026-01-01T00:00:00Z'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('freshet forget and the run lock', () => {
  it('case 44: freshet forget refuses while a live run holds the run lock, naming it, and forgets nothing; afterwards it forgets and leaves no lock', async () => {
    const lockFile = path.join(stateDir(), 'run.lock');
    // This test process stands in for the running freshet: a live pid on this host.
    writeFileSync(lockFile, `${JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: '2026-01-01T00:00:00.000Z' })}\n`);
    const refused = await runCli(['--config', config, 'forget', 'app', '1.0']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`${lockFile}: another freshet run holds the lock (pid ${process.pid} on ${os.hostname()} since 2026-01-01T00:00:00.000Z)`);
    expect(recordedVersions()).toEqual(['1.0']);
    expect(existsSync(lockFile)).toBe(true);

    rmSync(lockFile);
    const forgot = await runCli(['--config', config, 'forget', 'app', '1.0']);
    expect(forgot.code, forgot.stderr).toBe(0);
    expect(forgot.stdout).toContain('app: forgot 1 release');
    expect(recordedVersions()).toEqual([]);
    expect(existsSync(lockFile)).toBe(false);
  });
});
