import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { Config } from '../../src/config/schema.js';
import { writeStatus } from '../../src/report/write.js';
import { StateStore } from '../../src/state/store.js';

/**
 * `freshet serve --listen <other port>` (the built CLI, a real process): the setup files and the
 * status page it serves name the address it answers on, also after another process (a `freshet
 * run` from cron) rewrote them; never the config's default 127.0.0.1:8780.
 */
const bin = path.join(import.meta.dirname, '../../src/cli/bin.js');
let dir = '';
let configFile = '';
let child: ChildProcess | undefined;
let port = 0;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}

async function get(urlPath: string): Promise<string> {
  // Polled until serve has written its report (its first start takes a moment).
  for (let tries = 0; tries < 300; tries++) {
    const response = await fetch(`http://127.0.0.1:${port}${urlPath}`).catch(() => undefined);
    if (response?.ok) return await response.text();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`GET ${urlPath}: no answer from freshet serve`);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'freshet-serve-cli-'));
  const raw = {
    recipes: 'recipes',
    archive: 'archive',
    state: 'state',
    targets: [
      { id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } },
      { id: 'fedora-41', family: 'rpm', distro: 'fedora', release: '41', codename: 'fedora-41', image: { registry: 'registry.fedoraproject.org/fedora:41' } },
    ],
  };
  mkdirSync(path.join(dir, 'recipes'));
  configFile = path.join(dir, 'freshet.config.yaml');
  writeFileSync(configFile, JSON.stringify(raw));
  port = await freePort();
  child = spawn(process.execPath, [bin, '--config', configFile, 'serve', '--listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('freshet serve --listen', () => {
  it('names the address it serves in setup files and the status page, also after another process rewrote them', async () => {
    const served = `http://127.0.0.1:${port}/`;
    expect(await get('/setup/debian-12.sources')).toContain(`URIs: ${served}\n`);

    // A `freshet run` in another process writes the report with the config's default listen address.
    const config = resolveConfig(Config.parse(JSON.parse(readFileSync(configFile, 'utf8'))), configFile);
    expect(config.listen).toBe('127.0.0.1:8780');
    const state = StateStore.open(config.stateDir);
    try {
      await writeStatus(config, state, new Date(), { fingerprint: null });
    } finally {
      state.close();
    }
    const sources = await get('/setup/debian-12.sources');
    expect(sources).toContain(`URIs: ${served}\n`);
    expect(sources).not.toContain('8780');
    expect(await get('/setup/fedora-41.repo')).toContain(`baseurl=${served}rpm/fedora-41/`);
    expect((JSON.parse(await get('/status.json')) as { archive: { url: string } }).archive.url).toBe(served);
    expect(await get('/status/')).toContain(served);

    // Once serve stops, the report names the configured address again.
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child!.kill('SIGTERM');
    await exited;
    expect(existsSync(path.join(config.stateDir, 'serve.json'))).toBe(false);
  });
});
