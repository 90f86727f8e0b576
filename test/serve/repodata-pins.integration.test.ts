import { renameSync, symlinkSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServeHandler } from '../../src/serve/server.js';
import { createStaticHandler } from '../../src/serve/static.js';
import { StateStore } from '../../src/state/store.js';
import { makecacheThrough, RPM_TARGET, servedTwoGenerations, type ServedArchive } from '../publish/yum/served-archive.js';

/**
 * RELIABILITY case 29 through `freshet serve`: dnf fetches repomd.xml, then repomd.xml.asc. Here the
 * repodata switch happens exactly between the two requests, every time: a plain static server hands
 * dnf generation 1's repomd.xml with generation 2's signature and the refresh fails; freshet serve
 * sends the signature of the generation that client got repomd.xml from, and it succeeds.
 */
const REPO = RPM_TARGET.id;
let served: ServedArchive;
let state: StateStore;
let attempt = 0;

const repodataLink = () => path.join(served.archive.root, 'rpm', REPO, 'repodata');

/** Point the live `repodata` at a generation with one rename, as the publisher does. */
function switchTo(generation: number): void {
  const next = `${repodataLink()}.test-switch`;
  symlinkSync(path.join('.generations', String(generation), 'repodata'), next);
  renameSync(next, repodataLink());
}

/**
 * dnf makecache against a handler whose archive switches from generation 1 to 2 between the two
 * requests of the refresh that counts. dnf fetches repomd.xml and its signature, finds it has no
 * key yet, fetches the key, then fetches both again: the switch comes when the second signature
 * request arrives, so no event ordering can let it slip past.
 */
async function makecacheAcrossSwitch(archiveHandler: http.RequestListener) {
  attempt += 1;
  switchTo(1);
  let keyFetched = false;
  let sentRepomd = false;
  let switched = 0;
  const handler: http.RequestListener = (request, response) => {
    const url = request.url ?? '';
    if (url.endsWith('/freshet-archive-keyring.asc')) keyFetched = true;
    if (url.endsWith('/repodata/repomd.xml')) sentRepomd = keyFetched;
    else if (sentRepomd && url.endsWith('/repodata/repomd.xml.asc')) {
      switchTo(2);
      switched += 1;
      sentRepomd = false;
    }
    archiveHandler(request, response);
  };
  const result = await makecacheThrough(handler, path.join(served.dir, 'dnf', `switch-${attempt}`));
  return { ...result, switched };
}

beforeAll(async () => {
  served = await servedTwoGenerations('freshet-serve-pins-', 'pinned');
  state = StateStore.openFile(':memory:');
});

afterAll(async () => {
  state?.close();
  await served?.close();
});

describe('a repodata switch between repomd.xml and its signature', () => {
  it('case 29: fails a refresh through a plain static server', async () => {
    const result = await makecacheAcrossSwitch(createStaticHandler({ root: served.archive.root }));
    expect(result.switched).toBe(1);
    expect(result.exitCode).not.toBe(0);
    expect(result.tail).toMatch(/GPG signature verification error|Bad GPG signature/);
  });

  it('case 29: never fails a refresh through freshet serve', async () => {
    const { handler } = createServeHandler({ config: served.config, state, runPipeline: async () => undefined, writeStatus: async () => undefined });
    for (let round = 0; round < 3; round += 1) {
      const result = await makecacheAcrossSwitch(handler);
      expect(result.switched).toBe(1);
      expect(result.exitCode, result.tail).toBe(0);
    }
  });
});
