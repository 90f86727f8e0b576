import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootstrapBase, checkBuildDepends, depsKey, ensureBuilderImage, ensureDepsImage, imageRef, LABEL, sha256 } from '../../src/build/images.js';
import { containerfileFor } from '../../src/build/paths.js';
import type { ResolvedTarget } from '../../src/config/load.js';
import type { BuildSpec, ContainerEngine, ImageInfo, RunSpec } from '../../src/build/engine/types.js';

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

describe('image caching against a recording engine', () => {
  const target = { id: 'debian-12', family: 'deb', codename: 'bookworm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } } as ResolvedTarget;
  const fileHash = sha256(readFileSync(containerfileFor('debian-12')));

  function fakeEngine(images: Record<string, Partial<ImageInfo>>) {
    const calls: string[] = [];
    const specs: unknown[] = [];
    const engine = {
      name: 'podman',
      inspectImage: async (ref: string) => (images[ref] ? { id: `id-${ref}`, tags: [ref], created: '', size: 0, labels: {}, ...images[ref] } : undefined),
      buildImage: async (spec: BuildSpec) => {
        calls.push(`build ${spec.tag}`);
        specs.push(spec);
        images[spec.tag] = { labels: spec.labels };
      },
      run: async (spec: RunSpec) => {
        calls.push(`run ${spec.name}`);
        specs.push(spec);
      },
      commit: async (_container: string, ref: string, changes: string[]) => {
        calls.push(`commit ${ref}`);
        specs.push(changes);
        images[ref] = {};
      },
      removeContainers: async () => undefined,
    } as unknown as ContainerEngine;
    return { engine, calls, specs };
  }

  it('keeps a builder whose Containerfile hash and base id match', async () => {
    const base = imageRef.base('debian-12');
    const { engine, calls } = fakeEngine({
      [base]: { id: 'base-1' },
      [imageRef.builder('debian-12')]: { labels: { [LABEL.containerfile]: fileHash, [LABEL.base]: 'base-1' } },
    });
    expect(await ensureBuilderImage(target, { engine, stateDir: mkdtempSync(path.join(os.tmpdir(), 'freshet-state-')) })).toMatchObject({ how: 'cached' });
    expect(calls).toEqual([]);
  });

  it('rebuilds the builder over the bootstrapped base when the Containerfile changed', async () => {
    const base = imageRef.base('debian-12');
    const { engine, calls, specs } = fakeEngine({
      [base]: { id: 'base-1' },
      [imageRef.builder('debian-12')]: { labels: { [LABEL.containerfile]: 'old', [LABEL.base]: 'base-1' } },
    });
    expect(await ensureBuilderImage(target, { engine, stateDir: mkdtempSync(path.join(os.tmpdir(), 'freshet-state-')) })).toMatchObject({ how: 'built' });
    expect(calls).toEqual([`build ${imageRef.builder('debian-12')}`]);
    expect(specs[0]).toMatchObject({ buildArgs: { BASE: base }, labels: { [LABEL.containerfile]: fileHash, [LABEL.base]: 'base-1' } });
  });

  it('installs build dependencies once, as one argument of a fixed script, then reuses the layer', async () => {
    const images: Record<string, Partial<ImageInfo>> = {
      [imageRef.base('debian-12')]: { id: 'base-1' },
      [imageRef.builder('debian-12')]: { id: 'builder-1', labels: { [LABEL.containerfile]: fileHash, [LABEL.base]: 'base-1' } },
    };
    const { engine, calls, specs } = fakeEngine(images);
    const context = { engine, stateDir: mkdtempSync(path.join(os.tmpdir(), 'freshet-state-')) };
    const first = await ensureDepsImage(target, ['texinfo', 'debhelper-compat (= 13)'], context);
    expect(first).toMatchObject({ how: 'built', ref: imageRef.deps('debian-12', depsKey('debian-12', ['debhelper-compat (= 13)', 'texinfo'], 'builder-1')) });
    const run = specs[0] as RunSpec;
    expect(run.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(run.command.slice(3)).toEqual(['sh', 'debhelper-compat (= 13), texinfo']);
    expect(run).toMatchObject({ network: 'default', user: 'root', keep: true });
    expect(calls.filter((call) => call.startsWith('commit'))).toEqual([`commit ${first.ref}`]);
    // Containers of the deps image must not look like leftovers of the installing run.
    expect(specs[1]).toEqual(expect.arrayContaining(['LABEL freshet.run=""', 'LABEL freshet.owner=""']));
    const again = await ensureDepsImage(target, ['debhelper-compat (= 13)', 'texinfo'], context);
    expect(again).toMatchObject({ how: 'cached', ref: first.ref });
    expect(calls.filter((call) => call.startsWith('run'))).toHaveLength(1);
  });
});
