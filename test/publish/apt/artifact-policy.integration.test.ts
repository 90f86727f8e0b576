import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPolicy } from '../../../src/build/artifact-policy.js';
import type { ResolvedConfig } from '../../../src/config/load.js';
import { mainArchive } from '../../../src/publish/api.js';
import { publishApt } from '../../../src/publish/apt/publish.js';
import type { ArchiveLocation } from '../../../src/publish/types.js';
import { loadRecipeFile, resolveRecipe } from '../../../src/recipe/load.js';
import { artifact, debWithControl, signedProject, type SignedProject } from '../fixtures.js';

/**
 * The APT publisher's own check (defense in depth for case 32): given what the recipe declares, it
 * reads each .deb's control itself and refuses one whose fields disagree, whatever the build result
 * claims, and pools files under the recipe's source, not the package's own Source field.
 */
let dir: string;
let config: ResolvedConfig;
let project: SignedProject;
let archive: ArchiveLocation;
const VERSION = '2.12.3-0~deb12+freshet1';
const policy = () => artifactPolicy(resolveRecipe(loadRecipeFile('recipes/hello.yaml'), 'deb', 'debian-12'), { targetId: 'debian-12', packageVersion: VERSION });

beforeAll(async () => {
  project = await signedProject('freshet-publish-policy-');
  ({ dir, config } = project);
  archive = mainArchive(config);
});

afterAll(() => project?.remove());

describe('publishApt with the recipe policy', () => {
  it('case 32: refuses a .deb whose own control says Source: bash and Essential: yes, even when the build result says otherwise', async () => {
    const file = await debWithControl(path.join(dir, `hello_${VERSION}_amd64.deb`), ['Package: hello', 'Source: bash', `Version: ${VERSION}`, 'Architecture: amd64', 'Essential: yes']);
    // The build result's fields claim a clean package; the publisher reads the file itself.
    const claimed = { ...artifact(file, 'deb'), fields: { Package: 'hello', Version: VERSION, Architecture: 'amd64' } };
    const publishing = publishApt({ config, archive, suite: 'bookworm', add: [{ artifacts: [claimed], recipe: 'hello', targetId: 'debian-12', policy: policy() }] });
    await expect(publishing).rejects.toThrow(/recipe hello \(debian-12\): .*hello_2\.12\.3-0~deb12\+freshet1_amd64\.deb: Source: "bash" is not the recipe's source hello/);
    await expect(publishing).rejects.toThrow(/Essential: "yes"/);
    expect(existsSync(path.join(archive.root, 'pool/main/b/bash'))).toBe(false);
    expect(existsSync(path.join(archive.root, 'dists/bookworm'))).toBe(false);
  });

  it('publishes the declared package into the pool folder of the recipe source', async () => {
    mkdirSync(path.join(dir, 'clean'));
    const file = await debWithControl(path.join(dir, `clean/hello_${VERSION}_amd64.deb`), ['Package: hello', `Version: ${VERSION}`, 'Architecture: amd64']);
    const outcome = await publishApt({ config, archive, suite: 'bookworm', add: [{ artifacts: [artifact(file, 'deb')], recipe: 'hello', targetId: 'debian-12', policy: policy() }] });
    expect(outcome.added.map((pkg) => pkg.file)).toEqual([`pool/main/h/hello/hello_${VERSION}_amd64.deb`]);
  });
});
