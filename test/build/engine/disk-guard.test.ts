import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskGuard, findShortage, shortageMessage, watchDisk, type DiskShortage } from '../../../src/build/engine/disk-guard.js';

const EVERYTHING = 1024 * 1024 * 1024; // MiB: more than any disk has free
const INTERVAL_MS = 10;

describe('case 19: disk guard', () => {
  it('finds the first file system below the reserve, and none when there is room', async () => {
    const missing = path.join(os.tmpdir(), 'freshet-no-such-folder');
    expect(await findShortage({ paths: [missing, os.tmpdir()], reserveMegabytes: 1 })).toBeUndefined();
    const shortage = await findShortage({ paths: [missing, os.tmpdir()], reserveMegabytes: EVERYTHING });
    expect(shortage).toMatchObject({ path: os.tmpdir(), reserveMegabytes: EVERYTHING });
    expect(shortage!.freeMegabytes).toBeLessThan(EVERYTHING);
  });

  it('guards nothing with a reserve of 0, and defaults to a gigabyte', () => {
    expect(diskGuard(['/build'], 0)).toBeUndefined();
    expect(diskGuard(['/build'])).toEqual({ paths: ['/build'], reserveMegabytes: 1024 });
  });

  it('reports a shortage once and stops watching', async () => {
    const seen: DiskShortage[] = [];
    let unwatch = () => {};
    const first = new Promise<void>((resolve) => {
      unwatch = watchDisk({ paths: [os.tmpdir()], reserveMegabytes: EVERYTHING }, (shortage) => {
        seen.push(shortage);
        resolve();
      }, INTERVAL_MS);
    });
    await first;
    // Still subscribed: a second report would land within these intervals.
    await new Promise((resolve) => setTimeout(resolve, 5 * INTERVAL_MS));
    unwatch();
    expect(seen).toHaveLength(1);
    expect(shortageMessage(seen[0]!)).toMatch(/^stopped: the file system holding \S+ has \d+ MiB free, below the \d+ MiB freshet keeps free \(limits\.diskReserveMegabytes\)$/);
  });
});
