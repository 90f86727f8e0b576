import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/load.js';
import { setLogSink } from '../../../src/core/log.js';
import { mainArchive, stagingArchive } from '../../../src/publish/api.js';
import { publishApt, resignApt } from '../../../src/publish/apt/publish.js';
import type { ArchiveLocation } from '../../../src/publish/types.js';
import { KEYRING_GPG } from '../../../src/sign/key.js';
import { verifyArchive } from '../../../src/verify/index.js';
import { makeDeb, makeSource, signedProject, type SignedProject } from '../fixtures.js';
import { aptWarnings, makeAptClient, serveStatic } from './apt-client.js';

let dir: string;
let config: ResolvedConfig;
let archive: ArchiveLocation;
let project: SignedProject;

beforeAll(async () => {
  project = await signedProject('freshet-publish-');
  ({ dir, config } = project);
  archive = mainArchive(config);
});

afterAll(() => project?.remove());

describe('publishing an APT suite', () => {
  it('publishes binaries and sources that verify and that real apt installs without a warning', async () => {
    const debs = path.join(dir, 'debs');
    const hello = await makeDeb(debs, { name: 'hello-data', version: '1.0-1', arch: 'all' });
    const bin = await makeDeb(debs, { name: 'hello-bin', version: '1.0-1', arch: 'amd64', depends: 'hello-data (>= 1.0)' });
    const sources = await makeSource(path.join(dir, 'src'), 'hello-src', '1.0');
    const outcome = await publishApt({ config, archive, suite: 'bookworm', add: [{ artifacts: [hello, bin, ...sources], recipe: 'hello', targetId: 'debian-12' }] });
    expect(outcome.added.map((p) => `${p.name}/${p.arch}`).sort()).toEqual(['hello-bin/amd64', 'hello-data/all', 'hello-src/source']);
    expect(await verifyArchive(archive.root)).toEqual([]);

    const release = readFileSync(path.join(archive.root, 'dists/bookworm/Release'), 'utf8');
    expect(release).toMatch(/^Origin: freshet-test$/m);
    expect(release).toMatch(/^Acquire-By-Hash: yes$/m);
    expect(release).not.toMatch(/MD5Sum|SHA1/);
    expect(existsSync(path.join(archive.root, 'pool/main/h/hello-bin/hello-bin_1.0-1_amd64.deb'))).toBe(true);

    const server = await serveStatic(archive.root);
    try {
      const apt = makeAptClient(path.join(dir, 'apt'), { uri: server.url, suite: 'bookworm', keyring: path.join(archive.root, KEYRING_GPG) });
      const update = await apt.aptGet(['update']);
      expect(update.exitCode, update.tail).toBe(0);
      expect(aptWarnings(update.stdout + update.stderr)).toEqual([]);
      expect(server.requests.some((url) => url.includes('/by-hash/SHA512/'))).toBe(true);
      const install = await apt.aptGet(['install', '-y', 'hello-bin']);
      expect(install.exitCode, install.stdout + install.stderr).toBe(0);
      expect(aptWarnings(install.stdout + install.stderr)).toEqual([]);
      expect(readFileSync(path.join(apt.root, 'usr/share/doc/hello-data/README'), 'utf8')).toContain('hello-data 1.0-1');
      const source = await apt.aptGet(['source', '--download-only', 'hello-src']);
      expect(source.exitCode, source.stdout + source.stderr).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('logs a publish into the gate\'s staging copy as staged, never as published (the gate has not passed yet)', async () => {
    const deb = await makeDeb(path.join(dir, 'staged'), { name: 'staged-data', version: '1.0-1' });
    const lines: string[] = [];
    const previous = setLogSink((line) => lines.push(line));
    try {
      await publishApt({ config, archive: stagingArchive(path.join(dir, 'staging')), suite: 'bookworm', add: [{ artifacts: [deb] }] });
    } finally {
      setLogSink(previous);
    }
    expect(lines.some((line) => line.startsWith('staged for the gate'))).toBe(true);
    expect(lines.filter((line) => /published/.test(line))).toEqual([]);
  });

  it('keeps the newest `keep` versions in the index and the superseded pool files for the grace period', async () => {
    const debs = path.join(dir, 'retention');
    for (const version of ['1.1-1', '1.2-1']) {
      await publishApt({ config, archive, suite: 'bookworm', add: [{ artifacts: [await makeDeb(debs, { name: 'hello-data', version })] }] });
    }
    const packages = readFileSync(path.join(archive.root, 'dists/bookworm/main/binary-amd64/Packages'), 'utf8');
    expect(packages.match(/^Package: hello-data$/gm)).toHaveLength(2);
    expect(packages).not.toContain('hello-data_1.0-1_all.deb');
    const old = path.join(archive.root, 'pool/main/h/hello-data/hello-data_1.0-1_all.deb');
    expect(existsSync(old)).toBe(true);

    const later = () => new Date(Date.now() + (config.archive.graceHours + 1) * 3_600_000);
    // The first publish after the grace period marks nothing new; the file's clock started at 1.2-1.
    const outcome = await publishApt({ config, archive, suite: 'bookworm', add: [], now: later });
    expect(outcome.deletedFiles).toEqual(['pool/main/h/hello-data/hello-data_1.0-1_all.deb']);
    expect(existsSync(old)).toBe(false);
    expect(await verifyArchive(archive.root, undefined, later())).toEqual([]);
  });

  it('case 28: never moves Date back when the clock goes back, and re-signing renews Valid-Until', async () => {
    const dateOf = () => readFileSync(path.join(archive.root, 'dists/bookworm/Release'), 'utf8').match(/^Date: (.*)$/m)![1]!;
    const before = Date.parse(dateOf().replace(' UTC', ' GMT'));
    const past = () => new Date(Date.now() - 86_400_000);
    expect(Date.parse((await resignApt({ config, archive, suite: 'bookworm', now: past })).date.replace(' UTC', ' GMT'))).toBe(before);
    const resigned = await resignApt({ config, archive, suite: 'bookworm', now: () => new Date(before + 60_000) });
    const after = Date.parse(resigned.date.replace(' UTC', ' GMT'));
    expect(after).toBe(before + 60_000);
    // The previous test published with a clock past the grace period; check as of that time.
    expect(await verifyArchive(archive.root, undefined, new Date(after))).toEqual([]);
    expect(readFileSync(path.join(archive.root, 'dists/bookworm/Release'), 'utf8')).toContain(`Valid-Until: ${resigned.validUntil}`);
  });

  it('case 28: publishes twice within one second: a client takes the second Release (same Date) without an error', async () => {
    const server = await serveStatic(archive.root);
    try {
      // A suite of its own: the earlier tests left bookworm's Date in the future on purpose.
      await publishApt({ config, archive, suite: 'trixie', add: [{ artifacts: [await makeDeb(path.join(dir, 'same-second'), { name: 'first-second', version: '1.0-1' })] }] });
      const apt = makeAptClient(path.join(dir, 'apt-same-second'), { uri: server.url, suite: 'trixie', keyring: path.join(archive.root, KEYRING_GPG) });
      const first = await apt.aptGet(['update', '--error-on=any']);
      expect(first.exitCode, first.tail).toBe(0);
      const date = readFileSync(path.join(archive.root, 'dists/trixie/Release'), 'utf8').match(/^Date: (.*)$/m)![1]!;
      const same = () => new Date(Date.parse(date.replace(' UTC', ' GMT')) + 400);
      const deb = await makeDeb(path.join(dir, 'same-second'), { name: 'same-second', version: '1.0-1' });
      await publishApt({ config, archive, suite: 'trixie', add: [{ artifacts: [deb] }], now: same });
      expect(readFileSync(path.join(archive.root, 'dists/trixie/Release'), 'utf8')).toContain(`Date: ${date}`);
      const second = await apt.aptGet(['update', '--error-on=any']);
      expect(second.exitCode, second.tail).toBe(0);
      expect(aptWarnings(second.stdout + second.stderr)).toEqual([]);
      const policy = await apt.aptGet(['install', '--simulate', 'same-second']);
      expect(policy.exitCode, policy.tail).toBe(0);
      expect(policy.stdout).toContain('Inst same-second (1.0-1');
    } finally {
      await server.close();
    }
  });
});
