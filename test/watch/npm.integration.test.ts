import { afterAll, describe, expect, it } from 'vitest';
import { resetHostQueues } from '../../src/net/queue.js';
import { npm } from '../../src/watch/npm/index.js';
import { testContext } from './context.js';

/** The npm kind against the real registry, for a small package whose old releases never change. */
describe('npm (real registry)', () => {
  // The build machines reach the registry through a resolver that answers with a documentation-range
  // address (203.0.113.0/24), which freshet refuses as not public unless allowHosts names the host.
  const ctx = testContext([{ host: 'registry.npmjs.org:443' }], 'left-pad');
  afterAll(() => {
    ctx.http.close();
    resetHostQueues();
  });

  it('lists left-pad releases with their registry tarballs, and answers again from a 304', async () => {
    const releases = await npm.getReleases({ kind: 'npm', package: 'left-pad' }, ctx);
    const byVersion = new Map(releases!.map((release) => [release.version, release.url]));
    expect(byVersion.get('1.3.0')).toBe('https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz');
    expect(byVersion.get('1.0.0')).toBe('https://registry.npmjs.org/left-pad/-/left-pad-1.0.0.tgz');
    const again = await npm.getReleases({ kind: 'npm', package: 'left-pad' }, ctx);
    expect(again).toEqual(releases);
  });

  it('returns null for a package that does not exist', async () => {
    expect(await npm.getReleases({ kind: 'npm', package: 'freshet-no-such-package-0f3a9c' }, ctx)).toBeNull();
  });
});
