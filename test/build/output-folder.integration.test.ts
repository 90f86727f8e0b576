import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { podman } from '../../src/build/engine/podman/index.js';
import { ensureDepsImage } from '../../src/build/images.js';
import { runRpmBuild } from '../../src/build/rpm.js';
import { findTarget, loadConfig } from '../../src/config/load.js';
import { MANIFEST_FILE } from '../../src/generate/rpm/index.js';
import type { BuildJob } from '../../src/types.js';

/**
 * A real rpmbuild in a real container whose %install replaces RPMS with a link to a folder that,
 * inside the container, is its own /tmp, and on the host is a folder of the host's. The build
 * succeeds (rpmbuild writes through the link); the collector must then see a link, not a folder.
 */
const config = loadConfig('freshet.config.yaml');
const target = findTarget(config, 'debian-12-rpm');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'freshet-case36-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function linkingSource(hostDir: string): string {
  const sourceDir = path.join(scratch, 'source');
  mkdirSync(path.join(sourceDir, 'SPECS'), { recursive: true });
  const spec = [
    'Name: linky',
    'Version: 1.0',
    'Release: 1',
    'Summary: leaves a link where RPMS was',
    'License: MIT',
    'BuildArch: noarch',
    '%description',
    'Leaves a link where RPMS was.',
    '%install',
    'mkdir -p %{buildroot}/usr/share/linky',
    'echo linky > %{buildroot}/usr/share/linky/README',
    `mkdir -p ${hostDir}`,
    'rm -rf %{_topdir}/RPMS',
    `ln -s ${hostDir} %{_topdir}/RPMS`,
    '%files',
    '/usr/share/linky/README',
    '',
  ].join('\n');
  writeFileSync(path.join(sourceDir, 'SPECS', 'linky.spec'), spec);
  const manifest = { name: 'linky', version: '1.0', release: '1', spec: 'SPECS/linky.spec', packages: ['linky'], buildRequires: [] };
  writeFileSync(path.join(sourceDir, MANIFEST_FILE), JSON.stringify(manifest));
  return sourceDir;
}

describe('runRpmBuild with a build that leaves links', () => {
  it('case 36: a real build that turns RPMS into a link to a host folder fails without listing or moving anything', async () => {
    const hostDir = path.join(scratch, 'host');
    mkdirSync(path.join(hostDir, 'secret-project'), { recursive: true });
    mkdirSync(path.join(hostDir, 'noarch'));
    writeFileSync(path.join(hostDir, 'noarch', 'linky-1.0-1.noarch.rpm'), 'a host file');
    const job: BuildJob = {
      id: 'case36-linky',
      recipe: 'linky',
      target,
      upstreamVersion: '1.0',
      packageVersion: '1.0-1',
      rebuild: 1,
      tarballSha256: '',
      sourceDir: linkingSource(hostDir),
      outputDir: path.join(scratch, 'output'),
    };
    const deps = await ensureDepsImage(target, [], { engine: podman, stateDir: config.stateDir });
    const result = await runRpmBuild(job, { engine: podman, image: deps.ref, nodeps: true, limits: { memory: '2g', pids: 1024, timeoutMs: 10 * 60_000 } });
    // rpmbuild wrote the package through the link, into the container's own /tmp.
    expect(readFileSync(result.logFile, 'utf8')).toContain('Wrote: /build/RPMS/noarch/linky-1.0-1.noarch.rpm');
    expect(result.status).toBe('failed');
    expect(result.error).toContain('build output rejected: RPMS is a link');
    expect(result.error).not.toContain('secret-project');
    expect(result.error).not.toContain(hostDir);
    expect(readdirSync(job.outputDir).filter((name) => name.endsWith('.rpm'))).toEqual([]);
    expect(readdirSync(hostDir).sort()).toEqual(['noarch', 'secret-project']);
    expect(readdirSync(path.join(hostDir, 'noarch'))).toEqual(['linky-1.0-1.noarch.rpm']);
  });
});
