import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig, type ResolvedConfig } from '../../../src/config/load.js';
import { Config } from '../../../src/config/schema.js';
import type { RunResult } from '../../../src/core/exec.js';
import { dnfClient, type DnfClient } from '../../../src/gate/rpm/dnf.js';
import { mainArchive, publisherFor } from '../../../src/publish/api.js';
import type { ArchiveLocation } from '../../../src/publish/types.js';
import { createStaticHandler, listen, type RunningServer } from '../../../src/serve/static.js';
import { gnupgHome, stopAgent } from '../../../src/sign/gpg.js';
import { createKey, KEYRING_ASC } from '../../../src/sign/key.js';
import { makeConfig } from '../fixtures.js';
import { makeRpms } from './rpms.js';

/** The RPM target these machines can build for (as in freshet.config.yaml); its repository is rpm/debian-12-rpm/. */
export const RPM_TARGET = {
  id: 'debian-12-rpm',
  family: 'rpm',
  distro: 'debian',
  release: '12',
  codename: 'debian-12-rpm',
  image: { bootstrap: { mirror: 'http://deb.debian.org/debian', suite: 'bookworm' } },
};

/** A fresh project with a throwaway RSA archive key and its archive served on loopback. */
export interface ServedArchive {
  dir: string;
  config: ResolvedConfig;
  archive: ArchiveLocation;
  server: RunningServer;
  close(): Promise<void>;
}

/** The config file gets the RPM target too, so `freshet publish` routes rpm build results to YUM. */
function withRpmTarget(config: ResolvedConfig): ResolvedConfig {
  const raw = JSON.parse(readFileSync(config.file, 'utf8')) as { targets: unknown[] };
  raw.targets.push(RPM_TARGET);
  writeFileSync(config.file, JSON.stringify(raw, null, 2));
  return resolveConfig(Config.parse(raw), config.file);
}

export async function servedArchive(prefix: string): Promise<ServedArchive> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const config = withRpmTarget(makeConfig(dir, { graceHours: 24, keep: 2 }));
  const archive = mainArchive(config);
  await createKey(config.stateDir, { name: 'freshet test', email: 'test@localhost', algorithm: 'rsa4096', expire: '2y' });
  mkdirSync(archive.root, { recursive: true });
  const server = await listen(createStaticHandler({ root: archive.root }), '127.0.0.1', 0);
  return {
    dir,
    config,
    archive,
    server,
    close: async () => {
      await server.close();
      await stopAgent(gnupgHome(config.stateDir));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A served archive whose RPM repository has had two publishes: `<name>0` 1.0, then 2.0 (generations 1 and 2). */
export async function servedTwoGenerations(prefix: string, name: string): Promise<ServedArchive> {
  const served = await servedArchive(prefix);
  const { dir, config, archive } = served;
  for (const version of ['1.0', '2.0']) {
    const rpms = await makeRpms(path.join(dir, 'rpms'), { prefix: name, count: 1, version });
    await publisherFor('rpm').publish({ config, archive, suite: RPM_TARGET.id, add: [{ artifacts: rpms, recipe: name, targetId: RPM_TARGET.id }] });
  }
  return served;
}

/** A dnf client (working in `work`) of the archive's RPM repository as `server` serves it, key checks on. */
export function archiveDnf(work: string, server: RunningServer): DnfClient {
  return dnfClient(work, {
    id: 'freshet',
    baseurl: new URL(`rpm/${RPM_TARGET.id}/`, server.url).href,
    gpgkey: new URL(KEYRING_ASC, server.url).href,
    releasever: '12',
  });
}

/** One `dnf makecache` of the archive's RPM repository through `handler`, served on loopback for it alone. */
export async function makecacheThrough(handler: http.RequestListener, work: string): Promise<RunResult> {
  const server = await listen(handler, '127.0.0.1', 0);
  try {
    return await archiveDnf(work, server).dnf(['makecache', '--repo', 'freshet', '--refresh'], { allowFailure: true });
  } finally {
    await server.close();
  }
}
