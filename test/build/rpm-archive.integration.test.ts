import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podman } from '../../src/build/engine/podman/index.js';
import { ensureBuilderImage } from '../../src/build/images.js';
import { containersConfFile } from '../../src/build/paths.js';
import { ensureArchiveRpmImage, resolveArchiveRpms } from '../../src/build/rpm-archive.js';
import { findTarget, loadConfig, type ResolvedConfig } from '../../src/config/load.js';
import { run } from '../../src/core/exec.js';
import { UserError } from '../../src/core/errors.js';
import { publisherFor, stagingArchive } from '../../src/publish/api.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { createKey } from '../../src/sign/key.js';
import { artifact, makeConfig } from '../publish/fixtures.js';

/**
 * debian-12-rpm takes what an archive recipe provides from the target's signed YUM repository:
 * real rpmbuild, the real YUM publisher, dnf on the host, rpm -K, and rpm -i in the builder image.
 */
const repoConfig = loadConfig('freshet.config.yaml');
const target = findTarget(repoConfig, 'debian-12-rpm');
let dir: string;
let config: ResolvedConfig;
let staging: string;

// A library split like libgpg-error: -devel requires -libs of the same build; `other` is unrelated.
const SPEC = `Name: chainlib
Version: 1.61
Release: 0.deb12.freshet1
Summary: test library
License: MIT
BuildArch: noarch
%description
test
%package libs
Summary: runtime
%description libs
runtime
%package devel
Summary: headers
Requires: chainlib-libs = %{version}-%{release}
%description devel
headers
%package -n other
Summary: unrelated
%description -n other
unrelated
%install
mkdir -p %{buildroot}/usr/lib64 %{buildroot}/usr/include %{buildroot}/usr/share/other
echo 1.61 > %{buildroot}/usr/lib64/chainlib.txt
echo header > %{buildroot}/usr/include/chainlib.h
echo other > %{buildroot}/usr/share/other/README
%files libs
/usr/lib64/chainlib.txt
%files devel
/usr/include/chainlib.h
%files -n other
/usr/share/other/README
`;

beforeAll(async () => {
  await ensureBuilderImage(target, { engine: podman, stateDir: repoConfig.stateDir });
  dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-rpm-archive-test-'));
  config = makeConfig(dir);
  await createKey(config.stateDir, { name: 'freshet test', email: 'test@localhost', algorithm: 'ed25519', expire: '2y' });
  const top = path.join(dir, 'rpmbuild');
  mkdirSync(path.join(top, 'SPECS'), { recursive: true });
  writeFileSync(path.join(top, 'SPECS', 'chainlib.spec'), SPEC);
  await run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, path.join(top, 'SPECS', 'chainlib.spec')], { env: { LC_ALL: 'C.UTF-8' }, timeoutMs: 10 * 60_000 });
  const out = path.join(top, 'RPMS', 'noarch');
  const archive = stagingArchive(path.join(dir, 'staging'));
  mkdirSync(archive.root, { recursive: true });
  await publisherFor('rpm').publish({ config, archive, suite: target.codename, add: [{ artifacts: readdirSync(out).map((file) => artifact(path.join(out, file), 'rpm')) }] });
  staging = archive.root;
}, 15 * 60_000);

afterAll(async () => {
  await stopAgent(gnupgHome(config.stateDir));
  rmSync(dir, { recursive: true, force: true });
});

describe('debian-12-rpm builds against the archive (issue 15)', () => {
  it('resolves a versioned relation and what it requires from the same signed repository, and installs them over the image', async () => {
    const files = await resolveArchiveRpms(staging, target, ['chainlib-devel >= 1.56']);
    expect(files.map((file) => path.basename(file))).toEqual(['chainlib-devel-1.61-0.deb12.freshet1.noarch.rpm', 'chainlib-libs-1.61-0.deb12.freshet1.noarch.rpm']);
    const builder = await ensureBuilderImage(target, { engine: podman, stateDir: repoConfig.stateDir });
    const image = await ensureArchiveRpmImage(target, builder, staging, files, { engine: podman, stateDir: config.stateDir });
    try {
      const result = await podman.run({
        image: image.ref,
        command: ['sh', '-c', 'cat /usr/lib64/chainlib.txt; rpm -q chainlib-libs chainlib-devel other; cat /etc/ld.so.conf.d/00-freshet-lib64.conf'],
        name: `freshet-rpm-archive-test-${process.pid}`,
        network: 'none',
        // rpm's database is root's (Debian's rpm keeps a user's elsewhere); the build and gate read files.
        user: 'root',
        capabilities: 'none',
      });
      expect(result.stdout).toContain('1.61\nchainlib-libs-1.61-0.deb12.freshet1.noarch\nchainlib-devel-1.61-0.deb12.freshet1.noarch\npackage other is not installed\n/usr/lib64');
    } finally {
      await run('podman', ['rmi', '--force', image.ref], { allowFailure: true, env: { CONTAINERS_CONF: containersConfFile() } });
    }
  }, 15 * 60_000);

  it('names a relation the repository cannot satisfy', async () => {
    const error = await resolveArchiveRpms(staging, target, ['chainlib-devel >= 1.70']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain("nothing in freshet's YUM repository provides chainlib-devel >= 1.70");
  }, 5 * 60_000);
});
