import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { runArguments } from '../../src/build/engine/args.js';
import { gateContainer } from '../../src/gate/container.js';
import type { GateContext } from '../../src/gate/types.js';

const engine = {} as GateContext['engine'];
const image = 'localhost/freshet/base:debian-12';

function options(context: GateContext, kind: 'download' | 'install', started = Date.now()): string[] {
  const args = runArguments({ image, command: ['bash', '/freshet/apt-install.sh'], ...gateContainer('hello_debian-12_2.12.3_r1', context, { kind, started }) }, 'podman');
  return args.slice(1, args.indexOf(image));
}

const packageManagerCapabilities = ['--cap-add=CHOWN', '--cap-add=DAC_OVERRIDE', '--cap-add=FOWNER', '--cap-add=FSETID', '--cap-add=SETUID', '--cap-add=SETGID'];

describe('gate containers', () => {
  it('case 33: the install phase, where maintainer scripts and smoke commands run, has no network, the package manager\'s capabilities only and the limits', () => {
    const args = options({ engine, memory: '1g', pids: 512, cpus: 1, timeoutMs: 60_000 }, 'install');
    expect(args).toEqual(
      expect.arrayContaining(['--network=none', '--cap-drop=ALL', ...packageManagerCapabilities, '--security-opt=no-new-privileges', '--memory=1g', '--memory-swap=1g', '--pids-limit=512', '--cpus=1']),
    );
    expect(args.filter((arg) => arg.startsWith('--cap-add'))).toEqual(packageManagerCapabilities);
  });

  it('case 33: the download phase runs on the engine\'s bridge, never the host network, with the same capabilities and limits', () => {
    const args = options({ engine }, 'download');
    expect(args.some((arg) => arg.startsWith('--network'))).toBe(false);
    expect(args).toEqual(expect.arrayContaining(['--cap-drop=ALL', ...packageManagerCapabilities, '--memory=2g', '--pids-limit=2048', `--cpus=${Math.min(2, os.availableParallelism())}`]));
  });

  it('case 33: both phases share the gate\'s time limit', () => {
    const started = Date.now() - 50_000;
    const phase = gateContainer('x', { engine, timeoutMs: 60_000 }, { kind: 'install', started });
    expect(phase.timeoutMs).toBeGreaterThan(0);
    expect(phase.timeoutMs).toBeLessThanOrEqual(10_000);
    expect(gateContainer('x', { engine }, { kind: 'download', started: Date.now() }).timeoutMs).toBeLessThanOrEqual(20 * 60_000);
  });
});
