import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/core/errors.js';
import { CommandError } from '../../src/core/exec.js';
import { buildEvidence, classifyFailure, evidenceOf, gateEvidence, retryDueAt } from '../../src/pipeline/failure-class.js';
import { planAction, type RecipeSnapshot, type TargetSnapshot } from '../../src/pipeline/plan.js';
import type { Target } from '../../src/types.js';

/**
 * The failure classes (case 52). The texts are what the tools printed on this machine: apt-get in
 * a debian-12 builder container through a proxy that refused, closed the connection, answered
 * 503 or corrupted an index, and a file:/ source that is not there; dnf against a closed port; podman for a missing
 * image and a missing command. The integration test (test/reliability/failure-class.integration.test.ts)
 * makes apt fail for real.
 */
const APT_REFUSED = `Err:1 http://deb.debian.org/debian bookworm InRelease
  Could not connect to 127.0.0.1:9 (127.0.0.1). - connect (111: Connection refused)
W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Could not connect to 127.0.0.1:9 (127.0.0.1). - connect (111: Connection refused)
W: Some index files failed to download. They have been ignored, or old ones used instead.
The following packages have unmet dependencies:
 satisfy:command-line : Depends: hello but it is not installable
E: Unable to correct problems, you have held broken packages.`;
const APT_503 = `Err:1 http://deb.debian.org/debian bookworm InRelease
  503  Service Unavailable [IP: 127.0.0.1 18902]
E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  503  Service Unavailable [IP: 127.0.0.1 18902]
E: The repository 'http://deb.debian.org/debian bookworm InRelease' is not signed.`;
// A proxy that flipped a byte of an index on its way: what apt says while a mirror syncs.
const APT_HASH_MISMATCH = `Err:2 http://deb.debian.org/debian bookworm/main amd64 Packages
  Hash Sum mismatch
E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/9e0b5aabb2465b3d2e7a7fe27f9913846277833f7a2826e7767acccff5b588c5  Hash Sum mismatch
E: Some index files failed to download. They have been ignored, or old ones used instead.`;
const APT_NO_SUCH_PACKAGE = `Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]
The following packages have unmet dependencies:
 satisfy:command-line : Depends: libnosuch-dev but it is not installable
E: Unable to correct problems, you have held broken packages.`;
const DNF_REFUSED = `Errors during downloading metadata for repository 'x':
  - Curl error (7): Couldn't connect to server for http://127.0.0.1:9/repo/repodata/repomd.xml [Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server]
Error: Failed to download metadata for repo 'x': Cannot download repomd.xml: Cannot download repodata/repomd.xml: All mirrors were tried`;
const OCI_NOT_FOUND = 'Error: runc: runc create failed: unable to start container process: exec: "nonexistentcmd": executable file not found in $PATH: OCI runtime attempted to invoke a command that was not found';

const commandError = (exitCode: number | undefined, tail: string, timedOut = false) =>
  new CommandError({ command: 'podman run', exitCode, timedOut, isCanceled: false, tail, logFile: undefined });

describe('failure classes', () => {
  it('case 52: a mirror that cannot be reached while the build dependencies install is an infrastructure failure', () => {
    for (const tail of [APT_REFUSED, APT_503, APT_HASH_MISMATCH]) {
      const error = commandError(100, tail);
      expect(classifyFailure(evidenceOf('images', error, error.message))).toEqual({ class: 'infrastructure', reason: 'apt could not download from the mirror' });
    }
    const dnf = commandError(1, DNF_REFUSED);
    expect(classifyFailure(evidenceOf('images', dnf, dnf.message)).class).toBe('infrastructure');
  });

  it('case 52: a build dependency the mirror does not have is a packaging failure', () => {
    const error = commandError(100, APT_NO_SUCH_PACKAGE);
    expect(classifyFailure(evidenceOf('images', error, error.message))).toMatchObject({ class: 'packaging' });
  });

  it('case 52: the same download errors inside a build (no network) or in the gate\'s offline install are the package\'s', () => {
    const build = { error: `build of tick 1.0-1 for debian-12 exited with 2\n--- last lines ---\n${APT_REFUSED}`, logFile: '/nonexistent/build.log', exitCode: 2 };
    expect(classifyFailure(buildEvidence(build)).class).toBe('packaging');
    const offline = gateEvidence({ reason: 'the gate failed during "smoke 01" (install, no network, exit 1)', logFile: '/nonexistent/gate.log' });
    expect(classifyFailure({ ...offline, text: `${offline.text}\n${APT_REFUSED}` }).class).toBe('packaging');
    const download = gateEvidence({ reason: 'the gate failed during "download" (download, network on, exit 100)', logFile: '/nonexistent/gate.log' });
    expect(classifyFailure({ ...download, text: `${download.text}\n${APT_REFUSED}` }).class).toBe('infrastructure');
    // freshet's own staging archive, a file:/ source, is no mirror.
    const staging = 'E: Failed to fetch file:/staging/dists/bookworm/main/binary-amd64/Packages  File not found - /staging/dists/bookworm/main/binary-amd64/Packages (2: No such file or directory)';
    expect(classifyFailure({ ...download, text: `${download.text}\n${staging}` }).class).toBe('packaging');
  });

  it('case 52: engine errors, timeouts, disk faults, a lost worker and an unreachable upstream are infrastructure; a compile error and a refused artifact are packaging', () => {
    const engine = commandError(125, 'Error: localhost/freshet/nonexistent:x: image not known');
    expect(classifyFailure(evidenceOf('build', engine, engine.message))).toEqual({ class: 'infrastructure', reason: 'container engine error (exit 125)' });
    expect(classifyFailure(evidenceOf('images', commandError(127, OCI_NOT_FOUND), 'x')).reason).toBe('the container engine could not start the container');
    // 127 from the build's own shell (a tool the package needs is missing) is the package's.
    expect(classifyFailure(buildEvidence({ error: 'sh: 1: cmake: not found', logFile: '/nonexistent', exitCode: 127 })).class).toBe('packaging');
    expect(classifyFailure(buildEvidence({ error: 'timed out', logFile: '/nonexistent', timedOut: true })).class).toBe('infrastructure');
    const disk = Object.assign(new Error('write failed'), { code: 'ENOSPC', path: '/var/state/builds/x' });
    expect(classifyFailure(evidenceOf('generate', disk, 'no space left on device')).class).toBe('infrastructure');
    const stopped = 'stopped: the file system holding /var/state has 12 MiB free, below the 1024 MiB freshet keeps free (limits.diskReserveMegabytes)';
    expect(classifyFailure(buildEvidence({ error: stopped, logFile: '/nonexistent' })).reason).toBe('disk full');
    const upstream = new UpstreamError('tick', 'http://127.0.0.1:1/tick-1.0.tar.gz: fetch failed (gave up after 3 tries)');
    expect(classifyFailure(evidenceOf('fetch', upstream, upstream.message)).class).toBe('infrastructure');
    expect(classifyFailure(evidenceOf('fetch', new UpstreamError('tick', 'http://x/: HTTP 404'), 'HTTP 404')).class).toBe('packaging');
    const compile = { error: 'build of tick 1.0-1 for debian-12 exited with 2', logFile: '/nonexistent', exitCode: 2 };
    expect(classifyFailure(buildEvidence(compile)).class).toBe('packaging');
    expect(classifyFailure({ step: 'artifacts', text: 'unexpected package evil' }).class).toBe('packaging');
    expect(classifyFailure({ step: 'build', text: 'job stalled more than allowable limit', lostWorker: true }).class).toBe('infrastructure');
  });

  it('case 52: the backoff doubles with each infrastructure failure in a row, up to its cap', () => {
    const policy = { backoffMs: 300_000, maxBackoffMs: 1_200_000 };
    const at = '2026-01-01T00:00:00.000Z';
    expect([1, 2, 3, 4].map((failures) => retryDueAt(at, failures, policy).toISOString())).toEqual([
      '2026-01-01T00:05:00.000Z',
      '2026-01-01T00:10:00.000Z',
      '2026-01-01T00:20:00.000Z',
      '2026-01-01T00:20:00.000Z',
    ]);
  });
});

const debian12: Target = { id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm' };
const hello: RecipeSnapshot = { name: 'hello', skip: {}, inputsHash: { 'debian-12': 'h1' }, newest: { upstreamVersion: '2.12.3', seenAt: '2026-01-01T00:00:00Z' } };
const failedAt = '2026-01-01T10:00:00.000Z';
const failed = (failureClass: 'infrastructure' | 'packaging', infrastructureFailures = 0): TargetSnapshot => ({
  shipped: '2.10-3',
  published: undefined,
  lastBuild: { upstreamVersion: '2.12.3', rebuild: 1, status: 'failed', inputsHash: 'h1', failure: { class: failureClass, reason: 'apt could not download from the mirror', failedAt } },
  highestRebuild: 0,
  failedAttempts: 1,
  infrastructureFailures,
});
const policy = { backoffMs: 300_000, maxBackoffMs: 3_600_000 };
const later = (minutes: number) => new Date(Date.parse(failedAt) + minutes * 60_000);

describe('planning after a classified failure', () => {
  it('case 52: a packaging failure is not built again without a change, however long ago it failed', () => {
    expect(planAction(hello, debian12, failed('packaging'), { retry: policy, now: later(60 * 24 * 365) })).toMatchObject({ kind: 'failed-before', failureClass: 'packaging' });
    // A change to the recipe or templates (another inputs hash) builds it.
    expect(planAction({ ...hello, inputsHash: { 'debian-12': 'h2' } }, debian12, failed('packaging'), { retry: policy, now: later(1) })).toMatchObject({ kind: 'build', why: 'the recipe or templates changed' });
  });

  it('case 52: an infrastructure failure waits for its backoff, then is built again without --retry-failed', () => {
    expect(planAction(hello, debian12, failed('infrastructure', 1), { retry: policy, now: later(4) })).toEqual({
      kind: 'failed-before',
      recipe: 'hello',
      targetId: 'debian-12',
      upstreamVersion: '2.12.3',
      failureClass: 'infrastructure',
      retryAt: '2026-01-01T10:05:00.000Z',
      why: 'waiting for backoff until 2026-01-01T10:05:00.000Z (infrastructure failure: apt could not download from the mirror)',
    });
    expect(planAction(hello, debian12, failed('infrastructure', 1), { retry: policy, now: later(5) })).toMatchObject({
      kind: 'build',
      rebuild: 1,
      attempt: 2,
      why: 'retry (infrastructure failure: apt could not download from the mirror, due at 2026-01-01T10:05:00.000Z)',
    });
    // The third failure in a row waits four times as long.
    expect(planAction(hello, debian12, failed('infrastructure', 3), { retry: policy, now: later(19) })).toMatchObject({ kind: 'failed-before', retryAt: '2026-01-01T10:20:00.000Z' });
  });
});
