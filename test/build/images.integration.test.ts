import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { podman } from '../../src/build/engine/podman/index.js';
import { bootstrapBase, ensureBuilderImage, imageRef, LABEL, sha256 } from '../../src/build/images.js';
import { containerfileFor } from '../../src/build/paths.js';
import { findTarget, loadConfig } from '../../src/config/load.js';

// The repo's own config: bootstrap targets from deb.debian.org, state (rootfs tarballs) in var/state.
const config = loadConfig('freshet.config.yaml');
const context = { engine: podman, stateDir: config.stateDir };

describe.each(['debian-12', 'debian-13'])('images for %s', (targetId) => {
  const target = findTarget(config, targetId);

  it('bootstraps a base image from the mirror and keeps it', async () => {
    const base = await bootstrapBase(target, context);
    console.log(`bootstrap ${targetId}: ${base.how} in ${base.durationMs} ms`);
    expect(base.ref).toBe(imageRef.base(targetId));
    const image = await podman.inspectImage(base.ref);
    expect(image?.labels[LABEL.target]).toBe(targetId);
    const again = await bootstrapBase(target, context);
    expect(again).toMatchObject({ how: 'cached', id: base.id });
  });

  it('builds the builder image once per Containerfile hash', async () => {
    const builder = await ensureBuilderImage(target, context);
    console.log(`builder ${targetId}: ${builder.how} in ${builder.durationMs} ms`);
    const image = await podman.inspectImage(builder.ref);
    expect(image?.labels[LABEL.containerfile]).toBe(sha256(readFileSync(containerfileFor(targetId))));
    const again = await ensureBuilderImage(target, context);
    expect(again).toMatchObject({ how: 'cached', id: builder.id });
    const tools = await podman.run({
      image: builder.ref,
      command: ['sh', '-c', 'id -un; for tool in dpkg-buildpackage lintian fakeroot dh gcc; do command -v $tool; done'],
      name: `freshet-test-tools-${targetId}`,
      network: 'none',
      capabilities: 'none',
    });
    expect(tools.stdout.split('\n').filter(Boolean)).toEqual([
      'builder',
      '/usr/bin/dpkg-buildpackage',
      '/usr/bin/lintian',
      '/usr/bin/fakeroot',
      '/usr/bin/dh',
      '/usr/bin/gcc',
    ]);
  });
});
