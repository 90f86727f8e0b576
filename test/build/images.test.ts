import { describe, expect, it } from 'vitest';
import { bootstrapBase, checkBuildDepends, depsKey, imageRef } from '../../src/build/images.js';
import type { ResolvedTarget } from '../../src/config/load.js';
import type { ContainerEngine } from '../../src/build/engine/types.js';

describe('deps image key', () => {
  it('does not depend on the order or repetition of build dependencies', () => {
    expect(depsKey('debian-12', ['texinfo', 'help2man', 'texinfo'], 'b1')).toBe(depsKey('debian-12', ['help2man', 'texinfo'], 'b1'));
  });

  it('changes with the target, the dependencies and the builder image', () => {
    const key = depsKey('debian-12', ['help2man'], 'b1');
    expect(depsKey('debian-13', ['help2man'], 'b1')).not.toBe(key);
    expect(depsKey('debian-12', ['help2man', 'texinfo'], 'b1')).not.toBe(key);
    expect(depsKey('debian-12', ['help2man'], 'b2')).not.toBe(key);
    expect(imageRef.deps('debian-12', key)).toMatch(/^localhost\/freshet\/deps:debian-12-[0-9a-f]{16}$/);
  });
});

describe('checkBuildDepends', () => {
  it('accepts Debian relations with versions, architectures and alternatives', () => {
    const deps = ['debhelper-compat (= 13)', 'libfoo-dev:native (>= 1.2~rc1)', 'gcc | clang', 'python3 [amd64 arm64]'];
    expect(checkBuildDepends(deps)).toEqual(deps);
  });

  it.each(['foo, bar', 'foo; rm -rf /', '$(id)', 'foo\nbar', '-y', 'Foo', 'foo (>= 1) (<< 2)'])('refuses %j', (value) => {
    expect(() => checkBuildDepends([value])).toThrow(/not a Debian build dependency/);
  });
});

describe('bootstrapBase', () => {
  it('refuses a registry target with the pull command as the hint', async () => {
    const target = { id: 'ubuntu-24.04', family: 'deb', image: { registry: 'docker.io/library/ubuntu:24.04' } } as ResolvedTarget;
    const engine = {} as ContainerEngine;
    await expect(bootstrapBase(target, { engine, stateDir: '/nonexistent' })).rejects.toMatchObject({
      message: expect.stringMatching(/uses the registry image docker.io\/library\/ubuntu:24.04/),
      hint: 'pull it instead: podman pull docker.io/library/ubuntu:24.04',
    });
  });
});
