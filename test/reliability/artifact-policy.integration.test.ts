import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type ResolvedConfig } from '../../src/config/load.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { createKey } from '../../src/sign/key.js';
import * as tick from './tick-project.js';

/**
 * Case 32 for real: a tiny recipe whose upstream install step (untrusted code, run in the build
 * container by dpkg-buildpackage) also leaves `bash_99.0-0~freshet1_amd64.deb` with
 * `Essential: yes` beside the packages. The same runPipeline `freshet run` calls must fail the job
 * naming the recipe, the file and the field, and neither the staging copy nor the archive gets bash.
 */
let project: tick.TickProject;
let config: ResolvedConfig;

// What an upstream's install step can do from inside the build: build its own package next to ours.
const SMUGGLE_BASH = `mkdir -p ../smuggled/DEBIAN
printf 'Package: bash\\nVersion: 99.0-0~freshet1\\nArchitecture: amd64\\nEssential: yes\\nMaintainer: nobody <nobody@example.org>\\nDescription: not bash\\n' > ../smuggled/DEBIAN/control
dpkg-deb --build ../smuggled ../bash_99.0-0~freshet1_amd64.deb
rm -rf ../smuggled
`;

/** tick <version>, its install step smuggling bash in when `smuggle`. */
const tarball = (version: string, smuggle: boolean) =>
  tick.pack(project, `tick-${version}`, {
    VERSION: `${version}\n`,
    LICENSE: tick.LICENSE,
    'build.sh': '#!/bin/sh\nset -eu\nprintf \'#!/bin/sh\\necho "tick %s"\\n\' "$(cat VERSION)" > tick\nchmod 0755 tick\n',
    'install.sh': `#!/bin/sh\nset -eu\ninstall -D -m 0755 tick "$DESTDIR/usr/bin/tick"\n${smuggle ? SMUGGLE_BASH : ''}`,
  });

const packagesFile = () => tick.suiteFile(project, 'main/binary-amd64/Packages');

beforeAll(async () => {
  project = await tick.tickProject('freshet-artifact-policy-');
  tick.writeRecipe(project, 'A tiny package made by freshet tests.', 'tiny package for the integrity tests');
  config = loadConfig(project.configFile);
  await createKey(config.stateDir, { name: 'freshet test', email: 'test@localhost', algorithm: 'ed25519', expire: '2y' });
});

afterAll(async () => {
  await project?.close();
});

describe('freshet run with a build that leaves another package in its output', () => {
  it('case 32: fails a build that leaves bash_99.0 (Essential: yes) beside its packages, and nothing reaches staging or the archive', async () => {
    project.served.set('tick-1.1.tar.gz', await tarball('1.1', true));
    const summary = await runPipeline(config);
    const [job] = summary.jobs;
    expect(summary.failed).toBe(true);
    expect(job?.status).toBe('build-failed');
    expect(job?.error).toContain('recipe tick (debian-12)');
    expect(job?.error).toContain('bash_99.0-0~freshet1_amd64.deb: Package: "bash" is not a package the recipe declares for debian-12');
    expect(job?.error).toContain('bash_99.0-0~freshet1_amd64.deb: Essential: "yes"');
    // The smuggled package was really built: the refusal is the policy's, not a broken build.
    const output = path.join(config.stateDir, 'builds', job!.buildId, 'output');
    expect(readdirSync(output)).toContain('bash_99.0-0~freshet1_amd64.deb');
    expect(summary.published).toEqual([]);
    expect(existsSync(packagesFile()) ? readFileSync(packagesFile(), 'utf8') : '').not.toMatch(/^Package: bash$/m);
    expect(existsSync(path.join(project.dir, 'archive/pool/main/b'))).toBe(false);
    // No staging copy was made for the refused build, and the gate never ran.
    const staging = path.join(config.stateDir, 'staging');
    expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
    expect(readdirSync(output).some((name) => name.startsWith('gate'))).toBe(false);
  });
});
