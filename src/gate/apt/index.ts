import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imageRef } from '../../build/images.js';
import { containersDir } from '../../build/paths.js';
import type { ResolvedTarget } from '../../config/load.js';
import { errorMessage } from '../../core/errors.js';
import { createStaticHandler, listen } from '../../serve/static.js';
import { gateContainer, gateControl } from '../container.js';
import type { GateContext, GateRequest, GateResult } from '../types.js';

/**
 * The APT gate: the staging archive is served on loopback and a clean container of the target
 * installs the package through real apt with signature checks, after the distribution's own
 * version when it ships one, then runs the smoke commands.
 */
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

/** Judge the gate's log: every package at our version, smoke output as expected. */
export function judgeGate(request: Pick<GateRequest, 'packages' | 'packageVersion' | 'upstreamVersion' | 'expect' | 'smoke'>, log: string, exitCode: number): Omit<GateResult, 'logFile'> {
  const sections = gateSections(log);
  const installed = versions(sections.get('installed versions'));
  const upgradedFrom = versions(sections.get('distribution versions'));
  const fail = (reason: string) => ({ status: 'failed' as const, reason, installed, upgradedFrom });
  if (sections.has('apt-get update reported warnings or errors')) return fail('apt-get update on the staging archive reported warnings or errors');
  if (exitCode !== 0 || !sections.has('gate passed')) {
    const last = [...sections.keys()].at(-1) ?? 'start';
    return fail(`the gate failed during "${last}" (exit ${exitCode})`);
  }
  for (const name of request.packages) {
    if (installed[name] !== request.packageVersion) {
      return fail(`${name} is at ${installed[name] ?? 'nothing'} after the install, expected ${request.packageVersion}`);
    }
  }
  if (request.expect && request.smoke.length > 0) {
    const pattern = new RegExp(request.expect.replaceAll('{version}', escapeRegExp(request.upstreamVersion)));
    const output = sections.get('smoke 01') ?? '';
    // The section ends with the command's final newline, which `$` in an expect pattern must not see.
    if (!pattern.test(output.replace(/\n$/, ''))) return fail(`the smoke command's output does not match ${pattern}: ${output.trim().slice(0, 200)}`);
  }
  return { status: 'passed', installed, upgradedFrom };
}

export async function runAptGate(request: GateRequest, context: GateContext): Promise<GateResult> {
  mkdirSync(request.logDir, { recursive: true });
  const logFile = path.join(request.logDir, 'gate.log');
  writeFileSync(logFile, '');
  const work = mkdtempSync(path.join(os.tmpdir(), 'freshet-gate-'));
  const server = await listen(createStaticHandler({ root: request.stagingDir }), '127.0.0.1', 0);
  try {
    // apt verifies as the unprivileged _apt user: the mounted folder and key must be world-readable.
    chmodSync(work, 0o755);
    copyFileSync(path.join(containersDir(), 'gate', 'apt-gate.sh'), path.join(work, 'gate.sh'));
    copyFileSync(request.keyring, path.join(work, 'archive-keyring.gpg'));
    chmodSync(path.join(work, 'archive-keyring.gpg'), 0o644);
    writeFileSync(
      path.join(work, 'freshet.sources'),
      `Types: deb\nURIs: ${server.url}\nSuites: ${request.target.codename}\nComponents: main\nSigned-By: /freshet/archive-keyring.gpg\n`,
    );
    mkdirSync(path.join(work, 'smoke'));
    for (const [index, argv] of request.smoke.entries()) {
      writeFileSync(path.join(work, 'smoke', String(index + 1).padStart(2, '0')), argv.map((arg) => `${arg}\0`).join(''));
    }
    const result = await context.engine.run(
      {
        image: baseImageFor(request.target),
        command: ['bash', '/freshet/gate.sh'],
        // The staging archive listens on the host's loopback; the distribution's mirror is outside.
        network: 'host',
        mounts: [{ source: work, target: '/freshet', readonly: true }],
        env: { FRESHET_PACKAGES: request.packages.join(' '), FRESHET_REQUIRES: request.requires.join(' '), FRESHET_UPGRADE: request.shipped ? '1' : '0' },
        ...gateContainer(request.buildId, context),
      },
      gateControl(logFile, context),
    );
    const verdict = judgeGate(request, readFileSync(logFile, 'utf8'), result.exitCode);
    return { ...verdict, logFile };
  } catch (error) {
    return { status: 'failed', reason: errorMessage(error), logFile, installed: {}, upgradedFrom: {} };
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}
