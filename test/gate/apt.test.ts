import { describe, expect, it } from 'vitest';
import { judgeGate } from '../../src/gate/apt/index.js';

const request = {
  packages: ['hello'],
  packageVersion: '2.12.3-0~deb12+freshet1',
  upstreamVersion: '2.12.3',
  expect: 'hello \\(GNU Hello\\) {version}',
  smoke: [['hello', '--version']],
};

const passing = `### install the distribution's version
Setting up hello (2.10-3) ...
### distribution versions
hello 2.10-3
### add the staging archive
Get:1 http://127.0.0.1:4000 bookworm InRelease [2,000 B]
### install from the staging archive
Unpacking hello (2.12.3-0~deb12+freshet1) over (2.10-3) ...
### installed versions
hello 2.12.3-0~deb12+freshet1
### smoke 01
hello (GNU Hello) 2.12.3
### smoke 01 passed
### gate passed
`;

describe('judgeGate', () => {
  it('passes an upgrade from the distribution version whose smoke output matches', () => {
    expect(judgeGate(request, passing, 0)).toEqual({
      status: 'passed',
      installed: { hello: '2.12.3-0~deb12+freshet1' },
      upgradedFrom: { hello: '2.10-3' },
    });
  });

  it('fails when apt stayed at another version', () => {
    const log = passing.replace('hello 2.12.3-0~deb12+freshet1', 'hello 2.10-3');
    expect(judgeGate(request, log, 0)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/hello is at 2\.10-3/) });
  });

  it('fails when the smoke output does not show the upstream version', () => {
    const log = passing.replace('hello (GNU Hello) 2.12.3', 'hello (GNU Hello) 2.10');
    expect(judgeGate(request, log, 0)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/does not match/) });
  });

  it('names the step that failed', () => {
    const log = passing.split('### installed versions')[0]!;
    expect(judgeGate(request, log, 100)).toMatchObject({ status: 'failed', reason: 'the gate failed during "install from the staging archive" (exit 100)' });
  });

  it('fails on apt-get update warnings', () => {
    const log = `### add the staging archive\nW: GPG error\n### apt-get update reported warnings or errors\n`;
    expect(judgeGate(request, log, 90)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/warnings or errors/) });
  });
});
