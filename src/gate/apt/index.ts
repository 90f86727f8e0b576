import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imageRef } from '../../build/images.js';
import { containersDir } from '../../build/paths.js';
import type { ResolvedTarget } from '../../config/load.js';
import { errorMessage } from '../../core/errors.js';
import { readDeb } from '../../publish/apt/control.js';
import { gateContainer, gateControl } from '../container.js';
import type { GateContext, GateRequest, GateResult } from '../types.js';

/**
 * The APT gate, in two containers of the target that share a folder:
 *  1. download, with the network: apt fetches the staging archive (mounted as a file:/ source,
 *     signatures checked against the archive key) and the distribution's mirror, and downloads
 *     what the install needs; only apt runs, never a maintainer script;
 *  2. install, with no network: the distribution's version first when it ships one, then ours,
 *     then the smoke commands. Maintainer scripts and smoke commands run here only.
 * Versions are read on the host from the package files (ours as built, the distribution's as
 * phase 1 downloaded them), never from a dpkg database the package's scripts could rewrite.
 */
export interface AptGateRequest extends GateRequest {
  /** The built .deb files, as they were added to the staging archive. */
  files: string[];
}

export function baseImageFor(target: ResolvedTarget): string {
  return 'registry' in target.image ? target.image.registry : imageRef.base(target.id);
}

/** Sections of the gate log, keyed by the script's `### step` markers. */
export function gateSections(log: string): Map<string, string> {
  const sections = new Map<string, string>();
  let current = '';
  for (const line of log.split('\n')) {
    const marker = /^### (.*)$/.exec(line);
    if (marker) {
      current = marker[1]!;
      sections.set(current, '');
    } else if (current) sections.set(current, `${sections.get(current)}${line}\n`);
  }
  return sections;
}

function versions(section: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (section ?? '').split('\n')) {
    const [name, version] = line.trim().split(' ');
    if (name && version) out[name] = version;
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

type Verdict = Omit<GateResult, 'logFile'>;

function failedStep(sections: Map<string, string>, exitCode: number, phase: string): string {
  const last = [...sections.keys()].at(-1) ?? 'start';
  return `the gate failed during "${last}" (${phase}, exit ${exitCode})`;
}

/**
 * Judge the download phase's log (apt alone wrote it): the staging archive read cleanly and apt
 * would install every package at our version. Returns the failure reason, if any.
 */
export function judgeDownload(request: Pick<GateRequest, 'packages' | 'packageVersion'>, log: string, exitCode: number): string | undefined {
  const sections = gateSections(log);
  if (sections.has('apt-get update reported warnings or errors')) return 'apt-get update on the staging archive reported warnings or errors';
  if (exitCode !== 0 || !sections.has('download done')) return failedStep(sections, exitCode, 'download, network on');
  const candidates = versions(sections.get('candidate versions'));
  for (const name of request.packages) {
    if (candidates[name] !== request.packageVersion) {
      return `apt would install ${name} at ${candidates[name] ?? 'no version'}, expected ${request.packageVersion}`;
    }
  }
  return undefined;
}

/**
 * Judge the install phase, where the package's own code ran: its exit status, that it got to the
 * end, and the first smoke command's output. The versions come from the package files.
 */
export function judgeGate(
  request: Pick<GateRequest, 'upstreamVersion' | 'expect' | 'smoke'>,
  log: string,
  exitCode: number,
  versionsFromFiles: { installed: Record<string, string>; upgradedFrom: Record<string, string> },
): Verdict {
  const sections = gateSections(log);
  const fail = (reason: string): Verdict => ({ status: 'failed', reason, ...versionsFromFiles });
  if (exitCode !== 0 || !sections.has('gate passed')) return fail(failedStep(sections, exitCode, 'install, no network'));
  if (request.expect && request.smoke.length > 0) {
    const pattern = new RegExp(request.expect.replaceAll('{version}', escapeRegExp(request.upstreamVersion)));
    const output = sections.get('smoke 01') ?? '';
    // The section ends with the command's final newline, which `$` in an expect pattern must not see.
    if (!pattern.test(output.replace(/\n$/, ''))) return fail(`the smoke command's output does not match ${pattern}: ${output.trim().slice(0, 200)}`);
  }
  return { status: 'passed', ...versionsFromFiles };
}

/** Package name → version, from the control files of these .debs. */
async function debVersions(files: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of files) {
    const deb = await readDeb(file);
    out[deb.name] = deb.version;
  }
  return out;
}

function debsIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.deb')).map((name) => path.join(dir, name)) : [];
}

/** Log text appended since `offset`. */
function logSince(logFile: string, offset: number): string {
  return readFileSync(logFile).subarray(offset).toString('utf8');
}

function writeSmoke(dir: string, smoke: readonly string[][]): void {
  mkdirSync(dir);
  for (const [index, argv] of smoke.entries()) {
    writeFileSync(path.join(dir, String(index + 1).padStart(2, '0')), argv.map((arg) => `${arg}\0`).join(''));
  }
}

const pinned = (entries: Record<string, string>) => Object.entries(entries).map(([name, version]) => `${name}=${version}`).join(' ');

export async function runAptGate(request: AptGateRequest, context: GateContext): Promise<GateResult> {
  const started = Date.now();
  mkdirSync(request.logDir, { recursive: true });
  const logFile = path.join(request.logDir, 'gate.log');
  writeFileSync(logFile, '');
  const failed = (reason: string, installed: Record<string, string> = {}, upgradedFrom: Record<string, string> = {}): GateResult => ({
    status: 'failed',
    reason,
    logFile,
    installed,
    upgradedFrom,
  });
  const work = mkdtempSync(path.join(os.tmpdir(), 'freshet-gate-'));
  try {
    const built = await debVersions(request.files);
    for (const name of request.packages) {
      if (built[name] !== request.packageVersion) return failed(`the built ${name} is at ${built[name] ?? 'nothing'}, expected ${request.packageVersion}`);
    }
    const installed = Object.fromEntries(request.packages.map((name) => [name, built[name]!]));

    // apt verifies and reads file:/ sources as the unprivileged _apt user: all of it world-readable.
    chmodSync(work, 0o755);
    const inputs = path.join(work, 'freshet');
    const shared = path.join(work, 'gate');
    mkdirSync(inputs, { mode: 0o755 });
    mkdirSync(shared, { mode: 0o755 });
    for (const script of ['apt-download.sh', 'apt-install.sh']) copyFileSync(path.join(containersDir(), 'gate', script), path.join(inputs, script));
    copyFileSync(request.keyring, path.join(inputs, 'archive-keyring.gpg'));
    chmodSync(path.join(inputs, 'archive-keyring.gpg'), 0o644);
    writeFileSync(
      path.join(inputs, 'freshet.sources'),
      `Types: deb\nURIs: file:/staging\nSuites: ${request.target.codename}\nComponents: main\nSigned-By: /freshet/archive-keyring.gpg\n`,
    );
    writeSmoke(path.join(inputs, 'smoke'), request.smoke);
    const image = baseImageFor(request.target);
    const staging = { source: request.stagingDir, target: '/staging', readonly: true };

    const download = await context.engine.run(
      {
        image,
        command: ['bash', '/freshet/apt-download.sh'],
        mounts: [{ source: inputs, target: '/freshet', readonly: true }, staging, { source: shared, target: '/gate', readonly: false }],
        env: { FRESHET_PACKAGES: request.packages.join(' '), FRESHET_REQUIRES: request.requires.join(' '), FRESHET_UPGRADE: request.shipped ? '1' : '0' },
        ...gateContainer(request.buildId, context, { kind: 'download', started }),
      },
      gateControl(logFile, context),
    );
    const notDownloaded = judgeDownload(request, readFileSync(logFile, 'utf8'), download.exitCode);
    if (notDownloaded) return failed(notDownloaded);
    const shipped = await debVersions(debsIn(path.join(shared, 'shipped')));
    const upgradedFrom = Object.fromEntries(Object.entries(shipped).filter(([name]) => request.packages.includes(name)));

    const offset = statSync(logFile).size;
    const install = await context.engine.run(
      {
        image,
        command: ['bash', '/freshet/apt-install.sh'],
        mounts: [{ source: inputs, target: '/freshet', readonly: true }, staging, { source: shared, target: '/gate', readonly: true }],
        env: { FRESHET_SHIPPED: pinned(upgradedFrom), FRESHET_INSTALL: pinned(installed), FRESHET_REQUIRES: request.requires.join(' ') },
        ...gateContainer(request.buildId, context, { kind: 'install', started }),
      },
      gateControl(logFile, context),
    );
    return { ...judgeGate(request, logSince(logFile, offset), install.exitCode, { installed, upgradedFrom }), logFile };
  } catch (error) {
    return failed(errorMessage(error));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
