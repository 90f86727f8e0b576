import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPolicy } from '../../../src/build/artifact-policy.js';
import { run } from '../../../src/core/exec.js';
import { publishYum } from '../../../src/publish/yum/publish.js';
import { loadRecipeFile, resolveRecipe } from '../../../src/recipe/load.js';
import type { BuildArtifact } from '../../../src/types.js';
import { artifact } from '../fixtures.js';
import { RPM_TARGET, servedArchive, type ServedArchive } from './served-archive.js';

/**
 * The YUM publisher's own check (defense in depth for case 32, as the APT publisher's): given what
 * the recipe declares, it reads each RPM header itself and refuses a package whose Name,
 * Version-Release, Arch or relations disagree, whatever the build result claims.
 */
let served: ServedArchive;
const VERSION = '2.12.3';
const RELEASE = '0.deb12.freshet1';
const policy = () =>
  artifactPolicy(resolveRecipe(loadRecipeFile('recipes/hello.yaml'), 'rpm', RPM_TARGET.id), { targetId: RPM_TARGET.id, packageVersion: `${VERSION}-${RELEASE}` });
/** What a clean build result says of hello's binary RPM. */
const claimed = { NAME: 'hello', EPOCHNUM: '0', VERSION, RELEASE, ARCH: 'x86_64', SOURCERPM: `hello-${VERSION}-${RELEASE}.src.rpm` };

let built = 0;

/** A binary RPM with these preamble lines, built on the host from a fixed spec (no recipe text), under `fileName`. */
async function rpmWith(fileName: string, preamble: string[]): Promise<BuildArtifact> {
  const top = path.join(served.dir, `rpmbuild-${(built += 1)}`);
  mkdirSync(path.join(top, 'SPECS'), { recursive: true });
  const spec = [...preamble, 'Summary: test package', 'License: MIT', '%global debug_package %{nil}', '%description', 'A test package.', '%install', 'mkdir -p %{buildroot}/usr/share/hello-test && echo hi > %{buildroot}/usr/share/hello-test/README', '%files', '/usr/share/hello-test/README', ''];
  writeFileSync(path.join(top, 'SPECS/test.spec'), spec.join('\n'));
  await run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, path.join(top, 'SPECS/test.spec')], { env: { SOURCE_DATE_EPOCH: '1700000000', LC_ALL: 'C.UTF-8' } });
  const [arch] = readdirSync(path.join(top, 'RPMS'));
  const [made] = readdirSync(path.join(top, 'RPMS', arch!));
  const file = path.join(top, fileName);
  renameSync(path.join(top, 'RPMS', arch!, made!), file);
  return { ...artifact(file, 'rpm'), fields: claimed };
}

const publish = (rpm: BuildArtifact) => publishYum({ config: served.config, archive: served.archive, suite: RPM_TARGET.id, add: [{ artifacts: [rpm], recipe: 'hello', targetId: RPM_TARGET.id, policy: policy() }] });
const repo = () => path.join(served.archive.root, 'rpm', RPM_TARGET.id);

beforeAll(async () => {
  served = await servedArchive('freshet-yum-policy-');
});

afterAll(() => served?.close());

describe('publishYum with the recipe policy', () => {
  it.each([
    ['Name, Version-Release and Arch', ['Name: bash', 'Version: 99.0', 'Release: 1', 'BuildArch: noarch'], [/Name: "bash" is not a package the recipe declares for debian-12-rpm/, /Version-Release: "99\.0-1" is not the planned version 2\.12\.3-0\.deb12\.freshet1/, /Arch: "noarch" is not one of "x86_64"/]],
    ['Obsoletes, Provides and Conflicts', ['Name: hello', `Version: ${VERSION}`, `Release: ${RELEASE}`, 'Obsoletes: bash', 'Provides: bash', 'Conflicts: coreutils'], [/Provides: names "bash"/, /Obsoletes: names "bash"/, /Conflicts: names "coreutils"/]],
  ])('case 32: refuses an RPM whose own header has another %s, even when the build result says otherwise', async (_what, preamble, messages) => {
    const rpm = await rpmWith(`hello-${VERSION}-${RELEASE}.x86_64.rpm`, preamble);
    const publishing = publish(rpm);
    await expect(publishing).rejects.toThrow(new RegExp(`^recipe hello \\(debian-12-rpm\\): build output refused, nothing was staged or published: hello-2\\.12\\.3-0\\.deb12\\.freshet1\\.x86_64\\.rpm: `));
    for (const message of messages) await expect(publishing).rejects.toThrow(message);
    expect(existsSync(path.join(repo(), 'packages'))).toBe(false);
    expect(existsSync(path.join(repo(), 'repodata'))).toBe(false);
  });

  it('publishes the declared package when its header agrees', async () => {
    const rpm = await rpmWith(`hello-${VERSION}-${RELEASE}.x86_64.rpm`, ['Name: hello', `Version: ${VERSION}`, `Release: ${RELEASE}`]);
    const outcome = await publish(rpm);
    expect(outcome.added.map((pkg) => `${pkg.name} ${pkg.version} ${pkg.arch}`)).toEqual([`hello ${VERSION}-${RELEASE} x86_64`]);
  });
});
