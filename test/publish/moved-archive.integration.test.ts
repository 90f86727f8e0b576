import { renameSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveAt, publisherFor } from '../../src/publish/api.js';
import type { Family } from '../../src/types.js';
import { makeDeb, signedProject, treeContents, type SignedProject } from './fixtures.js';
import { makeRpms } from './yum/rpms.js';

/**
 * An archive's private state is found by the archive's path. When the archive moves, the next
 * publish finds no state: it must refuse, change nothing, and say how to bring the state along,
 * not publish a suite listing only its own packages.
 */
const cases: Array<{ family: Family; suite: string; build: (dir: string, version: string) => Promise<Awaited<ReturnType<typeof makeRpms>>> }> = [
  { family: 'deb', suite: 'bookworm', build: async (dir, version) => [await makeDeb(dir, { name: 'moved', version })] },
  { family: 'rpm', suite: 'debian-12-rpm', build: (dir, version) => makeRpms(dir, { prefix: 'moved', count: 1, version }) },
];

describe.each(cases)('a moved $family archive', ({ family, suite, build }) => {
  // A project of its own: the hint names the one other state folder there is.
  let project: SignedProject;
  beforeAll(async () => {
    project = await signedProject(`freshet-moved-${family}-`);
  });
  afterAll(() => project?.remove());

  it('is refused with the way to move its state; after that move it publishes, keeping what it had', async () => {
    const { config, dir } = project;
    const publish = (root: string, version: string) =>
      build(path.join(dir, `${family}-built-${version}`), version).then((artifacts) =>
        publisherFor(family).publish({ config, archive: archiveAt(config, root), suite, add: [{ artifacts }] }),
      );
    const before = path.join(dir, `${family}-archive`);
    const after = path.join(dir, `${family}-archive-moved`);
    await publish(before, '1.0');
    renameSync(before, after);
    const published = treeContents(after);

    const refusal = publish(after, '2.0');
    await expect(refusal).rejects.toThrow(`${after}: suite ${suite} is published there, but freshet's state for this archive (${archiveAt(config, after).stateDir}) has never published it`);
    const { hint } = (await refusal.catch((error: unknown) => error)) as { hint: string };
    expect(treeContents(after)).toEqual(published);

    const move = /mv (\S+) (\S+)\)/.exec(hint);
    expect(move, hint).not.toBeNull();
    expect(move![1]).toBe(archiveAt(config, before).stateDir);
    renameSync(move![1]!, move![2]!);
    const outcome = await publish(after, '2.0');
    expect(outcome.added.map((pkg) => pkg.version)).toEqual([family === 'deb' ? '2.0' : '2.0-1']);
    expect(outcome.removed).toEqual([]);
  });
});
