import { describe, expect, it } from 'vitest';
import { buildArguments, importArguments, runArguments } from '../../../src/build/engine/args.js';
import type { RunSpec } from '../../../src/build/engine/types.js';

const spec: RunSpec = {
  image: 'localhost/freshet/builder:debian-12',
  command: ['sh', '-c', 'echo "$@"', 'sh', '--privileged', '--volume=/:/host', '-v', '/:/host'],
  name: 'freshet-build-x',
  network: 'none',
  capabilities: 'none',
  user: 'builder',
  memory: '2g',
  pids: 512,
  env: { DEB_BUILD_OPTIONS: 'parallel=2' },
  labels: { 'freshet.run': '--privileged' },
  mounts: [{ source: '/srv/out/.work', target: '/build', readonly: false }],
};

describe('case 20: runArguments', () => {
  it('puts the container command after the image, where the engine stops reading options', () => {
    const args = runArguments(spec, 'podman');
    const imageAt = args.indexOf(spec.image);
    expect(args.slice(imageAt + 1)).toEqual(spec.command);
    expect(args.slice(0, imageAt).filter((arg) => /^(--privileged|--volume|-v$)/.test(arg))).toEqual([]);
  });

  it('writes every engine option as one --flag=value argument', () => {
    const args = runArguments(spec, 'podman');
    const options = args.slice(1, args.indexOf(spec.image));
    for (const option of options) expect(option).toMatch(/^--[a-z-]+(=|$)/);
    expect(options).toContain('--label=freshet.run=--privileged');
    expect(options).toEqual(
      expect.arrayContaining(['--network=none', '--cap-drop=ALL', '--security-opt=no-new-privileges', '--memory=2g', '--memory-swap=2g', '--pids-limit=512', '--rm']),
    );
    expect(options).toContain('--mount=type=bind,source=/srv/out/.work,target=/build');
  });

  it('keeps default capabilities and the default network only when asked', () => {
    const args = runArguments({ ...spec, capabilities: 'default', network: 'default', keep: true }, 'podman');
    expect(args.some((arg) => arg.startsWith('--network') || arg.startsWith('--cap-drop'))).toBe(false);
    expect(args).not.toContain('--rm');
  });

  it('case 33: drops every capability but those listed, and passes a CPU limit', () => {
    const args = runArguments({ ...spec, capabilities: { keep: ['CHOWN', 'SETUID'] }, cpus: 1.5 }, 'podman');
    expect(args).toEqual(expect.arrayContaining(['--cap-drop=ALL', '--cap-add=CHOWN', '--cap-add=SETUID', '--security-opt=no-new-privileges', '--cpus=1.5']));
    expect(() => runArguments({ ...spec, capabilities: { keep: ['ALL --privileged'] } }, 'podman')).toThrow(/not a capability name/);
    expect(() => runArguments({ ...spec, cpus: Number.NaN }, 'podman')).toThrow(/not a CPU count/);
  });

  it.each([
    ['an image that looks like an option', { image: '--privileged' }, 'not an image reference: "--privileged"'],
    ['a container name with a space', { name: 'a b' }, 'not a container name: "a b"'],
    ['a mount path with a comma', { mounts: [{ source: '/tmp/a,readonly=false', target: '/b', readonly: true }] }, `mount source must be an absolute path without ',' or ':': "/tmp/a,readonly=false"`],
    ['a relative mount path', { mounts: [{ source: 'tmp', target: '/b', readonly: true }] }, `mount source must be an absolute path without ',' or ':': "tmp"`],
    ['an env name with =', { env: { 'A=B': 'x' } }, 'not an environment variable name: "A=B"'],
    ['an env value with a newline', { env: { A: 'x\ny' } }, 'environment variable A may not contain a line break or NUL'],
    ['a bad memory size', { memory: '2g --privileged' }, 'not a memory size: "2g --privileged"'],
    ['an empty command', { command: [] }, 'a container run needs a command'],
    ['a tmpfs target with a comma', { tmpfs: [{ target: '/tmp,size=0', sizeMegabytes: 64, owner: 'shared' }] }, `tmpfs target must be an absolute path without ',' or ':': "/tmp,size=0"`],
    ['a tmpfs target with a colon', { tmpfs: [{ target: '/tmp:exec', sizeMegabytes: 64, owner: 'shared' }] }, `tmpfs target must be an absolute path without ',' or ':': "/tmp:exec"`],
    ['a relative tmpfs target', { tmpfs: [{ target: 'tmp', sizeMegabytes: 64, owner: 'shared' }] }, `tmpfs target must be an absolute path without ',' or ':': "tmp"`],
    ['a tmpfs of 0 MiB', { tmpfs: [{ target: '/tmp', sizeMegabytes: 0, owner: 'shared' }] }, 'not a tmpfs size in MiB: 0'],
    ['a tmpfs of 1.5 MiB', { tmpfs: [{ target: '/tmp', sizeMegabytes: 1.5, owner: 'shared' }] }, 'not a tmpfs size in MiB: 1.5'],
    ['the same tmpfs twice', { tmpfs: [{ target: '/tmp', sizeMegabytes: 64, owner: 'shared' }, { target: '/tmp', sizeMegabytes: 8, owner: 'shared' }] }, 'tmpfs /tmp given twice'],
  ])('refuses %s', (_what, change, message) => {
    expect(() => runArguments({ ...spec, ...change } as RunSpec, 'podman')).toThrow(message);
  });
});

describe('case 19: runArguments: read-only root and size-capped tmpfs', () => {
  const capped: RunSpec = {
    ...spec,
    readOnlyRoot: true,
    tmpfs: [
      { target: '/tmp', sizeMegabytes: 512, owner: 'shared' },
      { target: '/home/builder', sizeMegabytes: 256, owner: 'user' },
    ],
  };
  const options = (args: string[]) => args.slice(1, args.indexOf(spec.image));

  it('asks podman for a read-only root (keeping its own writable /dev/shm) and for executable tmpfs with a size', () => {
    const args = options(runArguments(capped, 'podman'));
    expect(args).toContain('--read-only');
    expect(args.some((arg) => arg.startsWith('--read-only-tmpfs'))).toBe(false);
    expect(args.filter((arg) => arg.startsWith('--tmpfs'))).toEqual([
      '--tmpfs=/tmp:rw,exec,size=512m,nosuid,nodev,mode=1777',
      '--tmpfs=/home/builder:rw,exec,size=256m,nosuid,nodev,U',
    ]);
  });

  it('gives docker the user\'s tmpfs by number, and no podman-only flag', () => {
    const args = options(runArguments({ ...capped, user: '2000:2000' }, 'docker'));
    expect(args).toContain('--read-only');
    expect(args.some((arg) => arg.startsWith('--read-only-tmpfs'))).toBe(false);
    expect(args).toContain('--tmpfs=/home/builder:rw,exec,size=256m,nosuid,nodev,uid=2000,gid=2000');
    expect(() => runArguments(capped, 'docker')).toThrow(/numeric user on docker/);
  });

  it('leaves the root writable and adds no tmpfs unless asked', () => {
    const args = runArguments(spec, 'podman');
    expect(args.some((arg) => arg.startsWith('--read-only') || arg.startsWith('--tmpfs'))).toBe(false);
  });
});

describe('buildArguments and importArguments', () => {
  it('passes build arguments and labels as single arguments before the context folder', () => {
    const args = buildArguments({
      contextDir: '/repo/containers/debian-12',
      containerfile: '/repo/containers/debian-12/Containerfile',
      tag: 'localhost/freshet/builder:debian-12',
      buildArgs: { BASE: 'localhost/freshet/base:debian-12' },
      labels: { 'freshet.containerfile.sha256': 'abc' },
      network: 'default',
    });
    expect(args).toEqual([
      'build',
      '--tag=localhost/freshet/builder:debian-12',
      '--file=/repo/containers/debian-12/Containerfile',
      '--build-arg=BASE=localhost/freshet/base:debian-12',
      '--label=freshet.containerfile.sha256=abc',
      '/repo/containers/debian-12',
    ]);
  });

  it('refuses import labels that would change the Containerfile instruction', () => {
    expect(importArguments('/x.tar', 'localhost/freshet/base:debian-12', { 'freshet.target': 'debian-12' })).toContain(
      '--change=LABEL freshet.target=debian-12',
    );
    expect(() => importArguments('/x.tar', 'localhost/freshet/base:x', { 'freshet.target': 'x\nUSER root' })).toThrow(
      'label not allowed on an import: freshet.target=x\nUSER root',
    );
    expect(() => importArguments('/x.tar', 'localhost/freshet/base:x', { 'freshet.target': 'a b' })).toThrow('label not allowed on an import: freshet.target=a b');
  });
});
