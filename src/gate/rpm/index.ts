import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDepsImage, imageRef } from '../../build/images.js';
import { rpmFieldsOf } from '../../build/rpm.js';
import { ensureArchiveRpmImage, resolveArchiveRpms } from '../../build/rpm-archive.js';
import { errorMessage, UserError } from '../../core/errors.js';
import { rpmCheckSignatures } from '../../publish/yum/sign.js';
import { createStaticHandler, listen } from '../../serve/static.js';
import { KEYRING_ASC } from '../../sign/key.js';
import { baseImageFor, judgeGate } from '../apt/index.js';
import { gateContainer, gateControl } from '../container.js';
import type { GateContext, GateRequest, GateResult } from '../types.js';
import { dnfClient, repoFile } from './dnf.js';
import { RPM_DOWNLOAD_SCRIPT, RPM_INSTALL_SCRIPT } from './script.js';

/**
 * The RPM gate, against the staging archive served on loopback:
 *  1. on the host, Debian's dnf (isolated root and cache, gpgcheck=1, repo_gpgcheck=1) must find
 *     every package at the built version in the served repository;
 *  2. on the host, `rpmkeys --checksig` with the archive key in a throwaway rpm database must pass
 *     on every served package file;
 *  3. on the host, the versions are read from the package files (`rpm -qp`), never from an rpm
 *     database the package's scriptlets could rewrite;
 *  4. in a clean container with no network, the packages are installed and the smoke commands
 *     run: on Fedora images through dnf from what a first container (network on, only dnf runs,
 *     `--downloadonly`) downloaded; on rpm-on-Debian targets with `rpm -i --nodeps` (signatures
 *     enforced) in the builder image plus the Debian packages of the recipe's dependencies and
 *     gate.requires (request.debianDepends), so the libraries the binaries link against are there.
 * The log names which checks ran.
 */
export interface RpmGateRequest extends GateRequest {
  /** Files of the packages in the staging repository, relative to rpm/<repo>/ (`packages/x.rpm`). */
  files: string[];
}

function note(logFile: string, text: string): void {
  appendFileSync(logFile, `${text.trimEnd()}\n`);
}

/**
 * Where the smoke commands run: the Fedora base image; on rpm-on-Debian the builder image (it has
 * rpm) with the Debian packages the packages need (request.debianDepends), installed in a deps
 * layer as the build's are, with the network, before any package of ours is in it.
 */
async function smokeImage(request: GateRequest, context: GateContext, logFile: string): Promise<string> {
  if (request.target.distro === 'fedora') return baseImageFor(request.target);
  const depends = request.debianDepends ?? [];
  const fromArchive = request.archiveRequires ?? [];
  if (depends.length === 0 && fromArchive.length === 0) return imageRef.builder(request.target.id);
  if (!context.stateDir) throw new UserError(`${request.recipe}: the gate needs a state folder to make its image with ${[...depends, ...fromArchive].join(', ')}`);
  const images = { engine: context.engine, stateDir: context.stateDir };
  note(logFile, `### host: gate image with the Debian packages ${depends.join(', ') || '(none)'}`);
  let image = await ensureDepsImage(request.target, depends, images);
  note(logFile, `${image.ref} (${image.how})`);
  if (fromArchive.length > 0) {
    note(logFile, `### host: dnf resolves ${fromArchive.join(', ')} in the staging YUM repository (gpgcheck=1 repo_gpgcheck=1), rpm -K`);
    const files = await resolveArchiveRpms(request.stagingDir, request.target, fromArchive);
    note(logFile, files.map((file) => path.basename(file)).join('\n'));
    image = await ensureArchiveRpmImage(request.target, image, request.stagingDir, files, images);
    note(logFile, `${image.ref} (${image.how})`);
  }
  return image.ref;
}

export async function runRpmGate(request: RpmGateRequest, context: GateContext): Promise<GateResult> {
  const started = Date.now();
  mkdirSync(request.logDir, { recursive: true });
  const logFile = path.join(request.logDir, 'gate.log');
  writeFileSync(logFile, '');
  const failed = (reason: string): GateResult => ({ status: 'failed', reason, logFile, installed: {}, upgradedFrom: {} });
  const work = mkdtempSync(path.join(os.tmpdir(), 'freshet-rpm-gate-'));
  const server = await listen(createStaticHandler({ root: request.stagingDir }), '127.0.0.1', 0);
  try {
    const repo = request.target.codename;
    const repoUrl = { id: 'freshet', baseurl: new URL(`rpm/${repo}/`, server.url).href, gpgkey: new URL(KEYRING_ASC, server.url).href };
    const wanted = request.packageVersion;

    note(logFile, '### host: dnf repoquery with gpgcheck=1 repo_gpgcheck=1');
    const dnf = dnfClient(path.join(work, 'dnf'), { ...repoUrl, releasever: request.target.release });
    const query = await dnf.dnf(['repoquery', '--repo', 'freshet', '--qf', '%{name} %{evr}'], { allowFailure: true });
    note(logFile, `${query.stdout}${query.stderr}`);
    if (query.exitCode !== 0) return failed(`dnf could not read the staging repository with signature checks on (exit ${query.exitCode})`);
    const seen = new Set(query.stdout.split('\n').map((line) => line.trim()));
    for (const name of request.packages) {
      if (!seen.has(`${name} ${wanted}`)) return failed(`dnf does not see ${name} ${wanted} in the staging repository`);
    }

    note(logFile, '### host: rpmkeys --checksig with the archive key');
    const keyFile = path.join(work, 'key.asc');
    copyFileSync(path.join(request.stagingDir, KEYRING_ASC), keyFile);
    const files = request.files.map((file) => path.join(request.stagingDir, 'rpm', repo, file));
    const signatures = await rpmCheckSignatures(keyFile, files, path.join(work, 'rpmdb'));
    note(logFile, signatures.output);
    if (!signatures.ok) return failed('rpm -K: a package signature does not verify against the archive key');

    note(logFile, '### host: versions from the package files');
    const binaries = files.filter((candidate) => !candidate.endsWith('.src.rpm'));
    const installed: Record<string, string> = {};
    for (const fields of await rpmFieldsOf(binaries)) {
      installed[fields.NAME!] = `${fields.EPOCHNUM && fields.EPOCHNUM !== '0' ? `${fields.EPOCHNUM}:` : ''}${fields.VERSION}-${fields.RELEASE}`;
    }
    note(logFile, Object.entries(installed).map(([name, version]) => `${name} ${version}`).join('\n'));
    for (const name of request.packages) {
      if (installed[name] !== wanted) return failed(`the built ${name} is at ${installed[name] ?? 'nothing'}, expected ${wanted}`);
    }
    const ours = Object.fromEntries(request.packages.map((name) => [name, installed[name]!]));

    const mount = path.join(work, 'freshet');
    const shared = path.join(work, 'gate');
    mkdirSync(path.join(mount, 'rpms'), { recursive: true });
    mkdirSync(path.join(mount, 'smoke'));
    mkdirSync(shared);
    copyFileSync(keyFile, path.join(mount, 'key.asc'));
    // Inside the containers the staging archive is a read-only folder, not the loopback server.
    writeFileSync(path.join(mount, 'freshet.repo'), repoFile({ id: 'freshet', baseurl: `file:///staging/rpm/${repo}/`, gpgkey: `file:///staging/${KEYRING_ASC}` }));
    for (const file of binaries) copyFileSync(file, path.join(mount, 'rpms', path.basename(file)));
    for (const [index, argv] of request.smoke.entries()) {
      writeFileSync(path.join(mount, 'smoke', String(index + 1).padStart(2, '0')), argv.map((arg) => `${arg}\0`).join(''));
    }
    const fedora = request.target.distro === 'fedora';
    const image = await smokeImage(request, context, logFile);
    const inputs = { source: mount, target: '/freshet', readonly: true };
    const staging = { source: request.stagingDir, target: '/staging', readonly: true };
    const env = { FRESHET_PACKAGES: request.packages.join(' '), FRESHET_REQUIRES: request.requires.join(' ') };
    if (fedora) {
      note(logFile, `### container: download with dnf in ${image} (network on, no package code runs)`);
      const download = await context.engine.run(
        {
          image,
          command: ['bash', '-c', RPM_DOWNLOAD_SCRIPT],
          user: 'root',
          mounts: [inputs, staging, { source: shared, target: '/gate', readonly: false }],
          env,
          ...gateContainer(request.buildId, context, { kind: 'download', started }),
        },
        gateControl(logFile, context),
      );
      if (download.exitCode !== 0) return failed(`the gate failed while dnf downloaded what the install needs (download, network on, exit ${download.exitCode})`);
    }

    note(logFile, `### container: install and smoke in ${image} (no network)`);
    const offset = statSync(logFile).size;
    const result = await context.engine.run(
      {
        image,
        command: ['bash', '-c', RPM_INSTALL_SCRIPT],
        user: 'root',
        mounts: [inputs, staging, { source: shared, target: '/gate', readonly: true }],
        env: {
          ...env,
          FRESHET_MODE: fedora ? 'dnf' : 'rpm',
          FRESHET_INSTALL: Object.entries(ours).map(([name, version]) => `${name}-${version}`).join(' '),
          // rpm-on-Debian installs Fedora's layout (/usr/lib64), which Debian's loader and pkg-config do not search.
          ...(fedora ? {} : { LD_LIBRARY_PATH: '/usr/lib64', PKG_CONFIG_PATH: '/usr/lib64/pkgconfig:/usr/share/pkgconfig' }),
        },
        ...gateContainer(request.buildId, context, { kind: 'install', started }),
      },
      gateControl(logFile, context),
    );
    const log = readFileSync(logFile).subarray(offset).toString('utf8');
    return { ...judgeGate(request, log, result.exitCode, { installed: ours, upgradedFrom: {} }), logFile };
  } catch (error) {
    return failed(errorMessage(error));
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The package names and staging files a gate checks, from a build's artifacts (debug packages aside). */
export function gatedPackages(artifacts: ReadonlyArray<{ file: string; kind: string; fields?: Record<string, string> }>): { packages: string[]; files: string[] } {
  const binaries = artifacts.filter((artifact) => artifact.kind === 'rpm' && !/-debug(info|source)$/.test(artifact.fields?.NAME ?? ''));
  return {
    packages: binaries.map((artifact) => artifact.fields?.NAME ?? '').filter(Boolean),
    files: artifacts.filter((artifact) => artifact.kind === 'rpm' || artifact.kind === 'srpm').map((artifact) => `packages/${path.basename(artifact.file)}`),
  };
}

