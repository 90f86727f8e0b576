import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podman } from '../../src/build/engine/podman/index.js';
import { CommandError } from '../../src/core/exec.js';
import { classifyFailure, evidenceOf } from '../../src/pipeline/failure-class.js';
import * as tick from './tick-project.js';

/**
 * Case 52: a failure that is nobody's fault is built again by itself. The build containers reach
 * Debian's mirror through an HTTP proxy that this test runs on loopback (the only outside address
 * it forwards to is deb.debian.org): podman takes the proxy from a containers.conf of the test's
 * own (`env = ["http_proxy=…"]`, and the host's network for the containers that have one, so they
 * reach the host's loopback), the way an operator points build hosts at apt-cacher-ng. While the
 * proxy drops every connection, apt cannot install the build dependencies.
 */
let project: tick.TickProject;
let proxy: MirrorProxy;
let containersConf = '';

interface MirrorProxy {
  port: number;
  forwarding: boolean;
  close(): Promise<void>;
}

async function mirrorProxy(): Promise<MirrorProxy> {
  const state = { forwarding: false };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://invalid/');
    if (url.hostname !== 'deb.debian.org' || url.port !== '') {
      res.writeHead(403).end();
      return;
    }
    const { 'proxy-connection': _, ...headers } = req.headers;
    const upstream = http.request({ host: 'deb.debian.org', port: 80, method: req.method, path: `${url.pathname}${url.search}`, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // Switched off, the mirror is unreachable: every connection is closed as soon as it is made.
  server.on('connection', (socket) => {
    if (!state.forwarding) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get forwarding() {
      return state.forwarding;
    },
    set forwarding(value: boolean) {
      state.forwarding = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const cli = (args: string[]) => tick.cli(project, args, { env: { CONTAINERS_CONF: containersConf } });

function setBackoff(seconds: number): void {
  const config = JSON.parse(readFileSync(project.configFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(project.configFile, JSON.stringify({ ...config, retry: { infrastructureBackoffSeconds: seconds } }));
}

interface StatusBuild {
  upstreamVersion: string;
  status: string;
  failure?: { class: string; reason: string } | null;
}

async function latestBuild(): Promise<StatusBuild> {
  const status = await cli(['--json', 'status']);
  expect(status.exitCode, status.stderr).toBe(0);
  const doc = JSON.parse(status.stdout) as { recipes: Array<{ name: string; cells: Array<{ target: string; note: string | null; build: StatusBuild | null }> }> };
  const cell = doc.recipes.find((recipe) => recipe.name === 'tick')!.cells.find((entry) => entry.target === 'debian-12')!;
  return { ...cell.build!, note: cell.note } as StatusBuild & { note: string | null };
}

beforeAll(async () => {
  await tick.buildCli();
  project = await tick.tickProject('freshet-failure-class-');
  proxy = await mirrorProxy();
  containersConf = path.join(project.dir, 'containers.conf');
  const repoConf = readFileSync(path.resolve(import.meta.dirname, '../../containers/containers.conf'), 'utf8');
  writeFileSync(containersConf, repoConf.replace('[containers]\n', `[containers]\nnetns = "host"\nenv = ["http_proxy=http://127.0.0.1:${proxy.port}/"]\n`));
  // A build dependency the builder image lacks, with a version no earlier run used: its deps image
  // is new, so this run installs it from the mirror.
  const nonce = randomBytes(4).toString('hex');
  const recipe = tick.recipeYaml(project, 'A tiny package made by freshet tests.').replace('packages:\n', `depends:\n  build:\n    - help2man >= 0~case52.${nonce}\npackages:\n`);
  writeFileSync(path.join(project.dir, 'recipes/tick.yaml'), recipe);
  setBackoff(3600);
  const key = await cli(['key', 'create']);
  expect(key.exitCode, key.stderr).toBe(0);
  project.served.set('tick-1.0.tar.gz', await tick.tarball(project, '1.0', 0));
}, 600_000);

afterAll(async () => {
  await proxy?.close();
  await project?.close();
});

describe('failures that are nobody\'s fault', () => {
  it('case 52: the Debian mirror unreachable during the dependency install is an infrastructure failure, built again without --retry-failed once it answers', async () => {
    const failed = await cli(['run']);
    expect(failed.exitCode, `${failed.stdout}\n${failed.stderr}`).toBe(1);
    expect(failed.stdout).toMatch(/tick debian-12 1\.0-\S+: failed \(infrastructure failure: apt could not download from the mirror; retried by a run from \S+\): /);
    const recorded = new Database(path.join(project.dir, 'state/freshet.db'), { readonly: true });
    expect(recorded.prepare(`SELECT status, failure_class AS failureClass FROM builds`).all()).toEqual([{ status: 'failed', failureClass: 'infrastructure' }]);
    recorded.close();
    expect(await latestBuild()).toMatchObject({
      upstreamVersion: '1.0',
      status: 'failed',
      failure: { class: 'infrastructure', reason: 'apt could not download from the mirror' },
      note: expect.stringContaining('infrastructure failure, retried after a backoff'),
    });

    // Within the backoff nothing is built, even with the mirror back.
    proxy.forwarding = true;
    const early = await cli(['run', '--dry-run']);
    expect(early.stdout).toMatch(/tick debian-12: 1\.0 failed before \(waiting for backoff until \S+ \(infrastructure failure: apt could not download from the mirror\)\)/);

    // Once it has passed, a plain run builds the same inputs again and publishes them.
    setBackoff(0);
    const due = await cli(['run', '--dry-run']);
    expect(due.stdout).toMatch(/tick debian-12: build 1\.0-\S+ \(retry \(infrastructure failure: apt could not download from the mirror, due at \S+\)\)/);
    const again = await cli(['run']);
    expect(again.exitCode, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.stdout).toMatch(/tick debian-12 1\.0-\S+: published/);
    expect(tick.packagesList(project)).toMatch(/^Package: tick\nVersion: 1\.0-/m);
    expect(await latestBuild()).toMatchObject({ upstreamVersion: '1.0', status: 'ok', failure: null });
    await tick.verified(project);
  });

  it('case 52: podman\'s own errors are infrastructure, a command that fails inside the container is packaging', async () => {
    const classOf = async (image: string, command: string[]) => {
      const error = await podman
        .run({ image, command, name: `freshet-case52-${randomBytes(3).toString('hex')}`, network: 'none', capabilities: 'none' })
        .then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(CommandError);
      return classifyFailure(evidenceOf('build', error, (error as CommandError).message));
    };
    expect(await classOf('localhost/freshet/no-such-image:case52', ['true'])).toEqual({ class: 'infrastructure', reason: 'container engine error (exit 125)' });
    expect(await classOf('localhost/freshet/builder:debian-12', ['no-such-command'])).toEqual({ class: 'infrastructure', reason: 'the container engine could not start the container' });
    expect(await classOf('localhost/freshet/builder:debian-12', ['sh', '-c', 'no-such-command'])).toMatchObject({ class: 'packaging' });
  });
});
