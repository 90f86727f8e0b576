import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig } from '../../../src/config/load.js';
import { mainArchive } from '../../../src/publish/api.js';
import type { ArchiveLocation } from '../../../src/publish/types.js';
import { createStaticHandler, listen, type RunningServer } from '../../../src/serve/static.js';
import { gnupgHome, stopAgent } from '../../../src/sign/gpg.js';
import { createKey } from '../../../src/sign/key.js';
import { makeConfig } from '../fixtures.js';

/** A fresh project with a throwaway RSA archive key and its archive served on loopback. */
export interface ServedArchive {
  dir: string;
  config: ResolvedConfig;
  archive: ArchiveLocation;
  server: RunningServer;
  close(): Promise<void>;
}

export async function servedArchive(prefix: string): Promise<ServedArchive> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const config = makeConfig(dir, { graceHours: 24, keep: 2 });
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
