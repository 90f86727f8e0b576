import { lookup } from 'node:dns/promises';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { podman } from '../../../src/build/engine/podman/index.js';
import { ensureBuilderImage } from '../../../src/build/images.js';
import { cleanupStaleContainers, OWNER_LABEL, ownerLabels, RUN_LABEL } from '../../../src/build/labels.js';
import { findTarget, loadConfig } from '../../../src/config/load.js';
import type { RunSpec } from '../../../src/build/engine/types.js';
import { run } from '../../../src/core/exec.js';
import { UserError } from '../../../src/core/errors.js';

const config = loadConfig('freshet.config.yaml');
const context = { engine: podman, stateDir: config.stateDir };
const builderImage = async () => (await ensureBuilderImage(findTarget(config, 'debian-12'), context)).ref;
const unique = (name: string) => `freshet-test-${name}-${process.pid}-${Date.now()}`;

async function spec(name: string, command: string[], extra: Partial<RunSpec> = {}): Promise<RunSpec> {
  return { image: await builderImage(), command, name: unique(name), network: 'none', capabilities: 'none', labels: ownerLabels(name), ...extra };
}

describe('podman engine', () => {
  it('case 17: keeps a build off the network, by name and by address', async () => {
    const { address } = await lookup('deb.debian.org', { family: 4 });
    const probe = `(exec 3<>/dev/tcp/${address}/80) && echo connected`;
    const offline = await podman.run(await spec('offline', ['bash', '-c', `${probe}; getent hosts deb.debian.org || echo no-dns`]), {
      allowFailure: true,
    });
    expect(offline.stdout).not.toContain('connected');
    expect(offline.stdout).toContain('no-dns');
    // The same probe with the default network connects: the probe itself works.
    const online = await podman.run(await spec('online', ['bash', '-c', probe], { network: 'default' }));
    expect(online.stdout).toContain('connected');
  });

  it('case 20: passes option-like values to the command, not to the engine', async () => {
    const result = await podman.run(
      await spec('args', ['sh', '-c', 'printf "%s\\n" "$@"; grep CapEff /proc/self/status; test -e /host && echo host-mounted || true', 'sh', '--privileged', '--volume=/:/host', '-v', '/:/host']),
    );
    expect(result.stdout).toBe('--privileged\n--volume=/:/host\n-v\n/:/host\nCapEff:\t0000000000000000\n');
  });

  it('case 18: gives the container none of freshet\'s environment and no engine socket', async () => {
    process.env.FRESHET_TEST_TOKEN = 'secret-token-value';
    try {
      const result = await podman.run(
        await spec('secrets', ['sh', '-c', 'env; ls /run/podman/podman.sock /var/run/docker.sock /run/docker.sock 2>&1 || true']),
      );
      expect(result.stdout).not.toContain('secret-token-value');
      expect(result.stdout).not.toMatch(/^\/(var\/)?run\/(podman\/podman|docker)\.sock$/m);
      expect(result.stdout).toMatch(/No such file or directory/);
    } finally {
      delete process.env.FRESHET_TEST_TOKEN;
    }
  });

  it('case 19: holds a fork bomb to the process limit', async () => {
    const result = await podman.run(
      await spec('pids', ['sh', '-c', 'i=0; while [ $i -lt 300 ]; do sleep 30 & i=$((i+1)); done; echo "started $i"'], { pids: 64, timeoutMs: 60_000 }),
      { allowFailure: true },
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('Cannot fork');
    expect(result.stdout).not.toContain('started 300');
  });

  it('stops and removes the container when the run is cancelled', async () => {
    const controller = new AbortController();
    const running = await spec('cancel', ['sleep', '600'], { labels: { ...ownerLabels('cancel'), 'freshet.test': 'cancel' } });
    const outcome = podman.run(running, { signal: controller.signal });
    for (let tries = 0; tries < 100; tries += 1) {
      if ((await podman.listContainers('freshet.test')).some((c) => c.name === running.name)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await podman.listContainers('freshet.test')).map((c) => c.name)).toContain(running.name);
    controller.abort();
    await expect(outcome).rejects.toMatchObject({ isCanceled: true });
    expect((await podman.listContainers('freshet.test')).map((c) => c.name)).not.toContain(running.name);
  });

  it('case 19: stops and removes the container when the run times out', async () => {
    const running = await spec('timeout', ['sleep', '600'], { timeoutMs: 3_000 });
    await expect(podman.run(running)).rejects.toMatchObject({ timedOut: true });
    expect((await podman.listContainers(RUN_LABEL)).map((c) => c.name)).not.toContain(running.name);
  });

  // The gate's path: allowFailure runs report a non-zero exit instead of throwing, but a disk
  // shortage must still stop the container and throw, whatever the command would have returned.
  it('stops an allowFailure run whose disk falls below the reserve, and says so in the error and the log', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-disk-guard-'));
    const small = path.join(dir, 'small');
    mkdirSync(small);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', small]);
    try {
      const logFile = path.join(dir, 'run.log');
      writeFileSync(logFile, '');
      const running = await spec('disk-guard', ['sleep', '600']);
      const outcome = podman.run(running, { allowFailure: true, logFile, diskGuard: { paths: [small], reserveMegabytes: 64 } });
      // Room enough at the start; once the container runs, something else fills the disk.
      for (let waited = 0; waited < 60_000; waited += 200) {
        if ((await podman.listContainers(RUN_LABEL)).some((c) => c.name === running.name)) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      writeFileSync(path.join(small, 'filler'), Buffer.alloc(48 * 1024 * 1024));
      await expect(outcome).rejects.toBeInstanceOf(UserError);
      await expect(outcome).rejects.toThrow(/stopped: the file system holding .* MiB free, below the \d+ MiB freshet keeps free/);
      expect(readFileSync(logFile, 'utf8').trimEnd().split('\n').at(-1)).toMatch(/^freshet: stopped: the file system holding /);
      expect((await podman.listContainers(RUN_LABEL)).map((c) => c.name)).not.toContain(running.name);
      // Still short: the next run does not start at all.
      const next = await spec('disk-guard-next', ['sh', '-c', 'echo started']);
      const refused = podman.run(next, { allowFailure: true, logFile, diskGuard: { paths: [small], reserveMegabytes: 64 } });
      await expect(refused).rejects.toThrow(/stopped: the file system holding/);
      expect(readFileSync(logFile, 'utf8')).not.toContain('started');
    } finally {
      await run('umount', [small], { allowFailure: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('case 22: removes containers left by a killed freshet and keeps its own', async () => {
    const stale = await spec('stale', ['true'], { keep: true, labels: { [RUN_LABEL]: 'killed-run', [OWNER_LABEL]: '999999:gone' } });
    const own = await spec('own', ['true'], { keep: true });
    await podman.run(stale);
    await podman.run(own);
    try {
      const removed = await cleanupStaleContainers(podman);
      expect(removed).toContain(stale.name);
      const left = (await podman.listContainers(RUN_LABEL)).map((c) => c.name);
      expect(left).not.toContain(stale.name);
      expect(left).toContain(own.name);
    } finally {
      await podman.removeContainers([own.name, stale.name]);
    }
  });
});
