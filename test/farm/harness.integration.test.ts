import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAll, freePort, makeNetns, netnsUnavailable, runCli, startRedis } from './harness.js';

/** The farm harness's own pieces, each against the real thing (test/farm/harness.ts). */
const dir = mkdtempSync(path.join(tmpdir(), 'freshet-farm-harness-'));
const noNetns = netnsUnavailable();
const repo = path.join(import.meta.dirname, '../..');

afterAll(async () => {
  await cleanupAll();
  rmSync(dir, { recursive: true, force: true });
});

async function listen(host: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.end('hello\n'));
  const port = await freePort(host);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Node inside the namespace: prints `ok <first line>` or the connection error's code. */
const connectScript = `
const socket = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
socket.setTimeout(3000, () => { console.log('TIMEOUT'); process.exit(0); });
socket.on('data', (d) => { console.log('ok ' + d.toString().trim()); socket.end(); });
socket.on('error', (e) => console.log(e.code));`;

async function outputOf(child: import('node:child_process').ChildProcess): Promise<string> {
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  await new Promise((resolve) => child.once('exit', resolve));
  return text.trim();
}

describe('startRedis', () => {
  it('keeps a key written before SIGTERM across a restart on the same port (AOF)', async () => {
    const redis = await startRedis({ dir: path.join(dir, 'redis-term') });
    expect(await redis.command(['SET', 'farm:probe', 'before-restart'])).toBe('OK');
    const firstPid = redis.pid();
    await redis.stop();
    await expect(redis.command(['PING'])).rejects.toThrow();
    await redis.restart();
    expect(redis.pid()).not.toBe(firstPid);
    expect(await redis.command(['GET', 'farm:probe'])).toBe('before-restart');
    await redis.stop();
  });

  it('keeps a key written just before SIGKILL (appendfsync always)', async () => {
    const redis = await startRedis({ dir: path.join(dir, 'redis-kill') });
    expect(await redis.command(['RPUSH', 'farm:list', 'a', 'b', 'c'])).toBe('3');
    await redis.kill();
    await redis.restart();
    expect(await redis.command(['LLEN', 'farm:list'])).toBe('3');
    await redis.stop();
  });

  it('asks for the password when one is set', async () => {
    const redis = await startRedis({ dir: path.join(dir, 'redis-auth'), password: 'farm secret' });
    expect(await redis.command(['PING'])).toBe('PONG');
    const socket = net.connect({ host: redis.host, port: redis.port });
    const answer = await new Promise<string>((resolve) => {
      socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
      socket.on('data', (chunk) => resolve(chunk.toString()));
    });
    socket.destroy();
    expect(answer).toMatch(/^-NOAUTH/);
    expect(redis.url).toBe(`redis://:farm%20secret@127.0.0.1:${redis.port}`);
    await redis.stop();
  });
});

describe('makeNetns', () => {
  it('reaches a TCP listener on the host-side address and not 127.0.0.1 of the host', async (context) => {
    if (noNetns) context.skip(noNetns);
    const ns = await makeNetns('reach');
    expect(ns.hostAddress).toMatch(/^10\.231\.\d+\.1$/);
    const onVeth = await listen(ns.hostAddress);
    const onLoopback = await listen('127.0.0.1');
    try {
      expect(await outputOf(ns.exec(process.execPath, ['-e', connectScript, ns.hostAddress, String(onVeth.port)]))).toBe('ok hello');
      // The host really listens on 127.0.0.1 (reachable from here), yet inside it is another loopback.
      expect(await outputOf(ns.exec(process.execPath, ['-e', connectScript, '127.0.0.1', String(onLoopback.port)]))).toBe('ECONNREFUSED');
      const own = await outputOf(ns.exec('ip', ['-4', '-o', 'addr', 'show']));
      expect(own).toContain(`${ns.nsAddress}/30`);
      expect(own).toMatch(/\blo\b.*127\.0\.0\.1/);
    } finally {
      await onVeth.close();
      await onLoopback.close();
      await ns.destroy();
    }
  });

  it('runs a worker-style redis client and the built CLI inside', async (context) => {
    if (noNetns) context.skip(noNetns);
    const ns = await makeNetns('cli');
    const redis = await startRedis({ dir: path.join(dir, 'redis-ns'), bind: ['127.0.0.1', ns.hostAddress] });
    try {
      await redis.command(['SET', 'farm:from-host', 'seen']);
      const script = `${connectScript.replace("console.log('ok ' + d.toString().trim())", "console.log(d.toString().split('\\r\\n')[1])")}
        socket.on('connect', () => socket.write('*2\\r\\n$3\\r\\nGET\\r\\n$14\\r\\nfarm:from-host\\r\\n'));`;
      expect(await outputOf(ns.exec(process.execPath, ['-e', script, ns.hostAddress, String(redis.port)]))).toBe('seen');

      const cli = runCli(['--help'], { cwd: repo, netns: ns });
      expect((await cli.done).code).toBe(0);
      expect(cli.output()).toMatch(/^Usage: freshet/);
    } finally {
      await redis.stop();
      await ns.destroy();
    }
  });

  it('runs podman with --network=none inside (nsenter keeps the cgroup mounts)', async (context) => {
    if (noNetns) context.skip(noNetns);
    const ns = await makeNetns('podman');
    try {
      const env = { ...process.env, CONTAINERS_CONF: path.join(repo, 'containers/containers.conf') };
      const out = await outputOf(ns.exec('podman', ['run', '--rm', '--pull=never', '--network=none', 'localhost/freshet/base:debian-12', 'cat', '/etc/debian_version'], { env }));
      expect(out.split('\n').at(-1)).toMatch(/^12\.\d+$/);
    } finally {
      await ns.destroy();
    }
  });

  it('reaches the Debian mirror only while egress is on', async (context) => {
    if (noNetns) context.skip(noNetns);
    const ns = await makeNetns('egress', { egress: ['deb.debian.org'] });
    const head = `fetch('http://deb.debian.org/debian/dists/bookworm/InRelease', { method: 'HEAD', signal: AbortSignal.timeout(5000) })
      .then((r) => console.log(r.status), (e) => console.log(e.cause?.code ?? e.name))`;
    try {
      expect(await outputOf(ns.exec(process.execPath, ['-e', head]))).toBe('200');
      ns.setEgress(false);
      expect(await outputOf(ns.exec(process.execPath, ['-e', head]))).not.toBe('200');
      ns.setEgress(true);
      expect(await outputOf(ns.exec(process.execPath, ['-e', head]))).toBe('200');
    } finally {
      await ns.destroy();
    }
  });
});
