import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig, type ResolvedConfig } from '../../../src/config/load.js';
import { Config } from '../../../src/config/schema.js';
import { mainArchive } from '../../../src/publish/api.js';
import type { ArchiveLocation } from '../../../src/publish/types.js';
import { createStaticHandler, listen, type RunningServer } from '../../../src/serve/static.js';
import { gnupgHome, stopAgent } from '../../../src/sign/gpg.js';
import { createKey } from '../../../src/sign/key.js';
import { makeConfig } from '../fixtures.js';

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
