import { describe, expect, it } from 'vitest';
import { repoFile } from '../../src/gate/rpm/dnf.js';
import { gatedPackages } from '../../src/gate/rpm/index.js';

describe('RPM gate inputs', () => {
  it('installs binary packages only, leaving debug packages aside, and checks every served file', () => {
    const artifacts = [
      { file: '/o/hello-1-1.x86_64.rpm', kind: 'rpm', fields: { NAME: 'hello' } },
      { file: '/o/hello-debuginfo-1-1.x86_64.rpm', kind: 'rpm', fields: { NAME: 'hello-debuginfo' } },
      { file: '/o/hello-1-1.src.rpm', kind: 'srpm', fields: { NAME: 'hello' } },
    ];
    expect(gatedPackages(artifacts)).toEqual({
      packages: ['hello'],
      files: ['packages/hello-1-1.x86_64.rpm', 'packages/hello-debuginfo-1-1.x86_64.rpm', 'packages/hello-1-1.src.rpm'],
    });
  });

  it('writes a .repo file with package and metadata signature checks on and no silent skipping', () => {
    const text = repoFile({ id: 'freshet', baseurl: 'http://127.0.0.1:1/rpm/debian-12-rpm/', gpgkey: 'http://127.0.0.1:1/freshet-archive-keyring.asc' });
    expect(text).toContain('\ngpgcheck=1\nrepo_gpgcheck=1\n');
    expect(text).toContain('\nskip_if_unavailable=False\n');
    expect(() => repoFile({ id: 'freshet', baseurl: 'http://x/ y', gpgkey: 'http://x/k' })).toThrow(/white space/);
  });
});

describe('judging a gate log', () => {
  it('matches an anchored expect pattern against the smoke output without its final newline', async () => {
    const { judgeGate } = await import('../../src/gate/apt/index.js');
    const log = '### smoke 01\n2.0.2\n### smoke 01 passed\n### gate passed\n';
    const request = { upstreamVersion: '2.0.2', expect: '^{version}$', smoke: [['pkg-config', '--modversion', 'cmocka']] };
    const versions = { installed: { cmocka: '2.0.2-0.deb12.freshet1' }, upgradedFrom: {} };
    expect(judgeGate(request, log, 0, versions).status).toBe('passed');
    expect(judgeGate({ ...request, upstreamVersion: '2.0.1' }, log, 0, versions).status).toBe('failed');
  });
});
