import { describe, expect, it } from 'vitest';
import { judgeDownload, judgeGate } from '../../src/gate/apt/index.js';

/**
 * The judges of the two gate phases on logs in the scripts' format. The real failures (an
 * unsatisfiable dependency, a failing smoke command, output that does not match) are run through
 * real apt in apt.integration.test.ts.
 */
const request = {
  packages: ['hello'],
  packageVersion: '2.12.3-0~deb12+freshet1',
  upstreamVersion: '2.12.3',
  expect: 'hello \\(GNU Hello\\) {version}',
  smoke: [['hello', '--version']],
};

const downloaded = `### download the distribution's version
Get:1 http://deb.debian.org/debian bookworm/main amd64 hello amd64 2.10-3 [53.1 kB]
### add the staging archive
Get:1 file:/staging bookworm InRelease [2,000 B]
### download what the install needs
### candidate versions
hello 2.12.3-0~deb12+freshet1
### download done
`;

const installed = `### install the distribution's version
Setting up hello (2.10-3) ...
### install from the staging archive
Unpacking hello (2.12.3-0~deb12+freshet1) over (2.10-3) ...
### smoke 01
hello (GNU Hello) 2.12.3
### smoke 01 passed
### gate passed
`;

const fromFiles = { installed: { hello: '2.12.3-0~deb12+freshet1' }, upgradedFrom: { hello: '2.10-3' } };

describe('judgeDownload', () => {
  it('accepts a download where apt picks our version of every package', () => {
    expect(judgeDownload(request, downloaded, 0)).toBeUndefined();
  });

  it('fails when apt would pick another version (the mirror has a newer one)', () => {
    const log = downloaded.replace('hello 2.12.3-0~deb12+freshet1', 'hello 1:2.10-3');
    expect(judgeDownload(request, log, 0)).toBe('apt would install hello at 1:2.10-3, expected 2.12.3-0~deb12+freshet1');
  });

  it('fails on apt-get update warnings', () => {
    const log = `### add the staging archive\nW: GPG error\n### apt-get update reported warnings or errors\n`;
    expect(judgeDownload(request, log, 90)).toMatch(/warnings or errors/);
  });
});

describe('judgeGate', () => {
  it('passes an install whose smoke output matches, with the versions read from the files', () => {
    expect(judgeGate(request, installed, 0, fromFiles)).toEqual({ status: 'passed', ...fromFiles });
  });

  it('names the step that failed', () => {
    const log = installed.split('### smoke 01')[0]!;
    expect(judgeGate(request, log, 100, fromFiles)).toMatchObject({ status: 'failed', reason: 'the gate failed during "install from the staging archive" (install, no network, exit 100)' });
  });

  it('fails a log that claims success when the install exited non-zero', () => {
    expect(judgeGate(request, installed, 1, fromFiles)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/"gate passed" \(install, no network, exit 1\)/) });
  });
});
