import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { xz } from '@napi-rs/lzma';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { ReservedError, fetchRelease } from '../../src/fetch/fetch.js';
import { HttpClient } from '../../src/net/http.js';
import { resetHostQueues } from '../../src/net/queue.js';
import type { LoadedRecipe } from '../../src/recipe/load.js';
import type { Recipe } from '../../src/recipe/schema.js';
import { StateStore } from '../../src/state/store.js';
import { debian, shippedVersion } from '../../src/watch/debian/index.js';
import { DISTRO_KEYRINGS } from '../../src/watch/debian/inrelease.js';
import { watchAll } from '../../src/watch/watch.js';
import { serve, type Loopback } from '../net/loopback.js';
import { testContext } from './context.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const fixtureSources = readFileSync(new URL('fixtures/Sources', import.meta.url), 'utf8');
const fixtureUpdates = readFileSync(new URL('fixtures/Sources-updates', import.meta.url), 'utf8');
const tarball = Buffer.from('pretend this is hello-2.12.1.tar.gz\n'.repeat(500));
const helloSources = `Package: hello
Version: 2.12.1-1
Checksums-Sha256:
 ${sha256(tarball)} ${tarball.length} hello_2.12.1.orig.tar.gz
 ${'1'.repeat(64)} 9000 hello_2.12.1-1.debian.tar.xz
Directory: pool/main/h/hello

${fixtureSources}`;

let work: string;
let archiveKeyring: string;
let archiveHome: string;
let otherHome: string;
let server: Loopback | undefined;
/** What the fake mirror serves, by path below /debian/. */
let files = new Map<string, Buffer>();

async function gpg(home: string, args: string[]): Promise<string> {
  return (await run('gpg', ['--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { env: { GNUPGHOME: home } })).stdout;
}

async function makeKey(name: string): Promise<string> {
  const home = path.join(work, `gnupg-${name}`);
  mkdirSync(home, { mode: 0o700 });
  await gpg(home, ['--quick-gen-key', `${name} archive <${name}@example.org>`, 'ed25519', 'sign', '1y']);
  return home;
}

interface SuiteOptions {
  suite: string;
  codename?: string;
  /** Index files of main/source, by name (Sources.xz, Sources); all listed under SHA256. */
  listed: Record<string, Buffer>;
  date?: Date;
  validUntil?: Date;
}

const releaseDate = (date: Date) => date.toUTCString().replace('GMT', 'UTC');

/** A clearsigned InRelease, as Debian's: Suite/Codename, Date, SHA256 lines with sizes. */
async function inRelease(options: SuiteOptions, signer = archiveHome): Promise<Buffer> {
  const lines = [
    'Origin: Test',
    `Suite: ${options.suite}`,
    `Codename: ${options.codename ?? options.suite}`,
    `Date: ${releaseDate(options.date ?? new Date())}`,
    ...(options.validUntil ? [`Valid-Until: ${releaseDate(options.validUntil)}`] : []),
    'SHA256:',
    ...Object.entries(options.listed).map(([name, data]) => ` ${sha256(data)} ${data.length} main/source/${name}`),
  ];
  const input = path.join(work, `release-${Math.random().toString(36).slice(2)}`);
  writeFileSync(input, `${lines.join('\n')}\n`);
  await gpg(signer, ['--clearsign', '--digest-algo', 'SHA512', '--output', `${input}.asc`, input]);
  return readFile(`${input}.asc`);
}

/** Serve a suite: its signed InRelease and its Sources.xz, both listed. */
async function suite(name: string, sourcesText: string, options: Partial<SuiteOptions> = {}): Promise<Buffer> {
  const plain = Buffer.from(sourcesText);
  const compressed = await xz.compress(plain);
  files.set(`dists/${name}/InRelease`, await inRelease({ suite: name, listed: { Sources: plain, 'Sources.xz': compressed }, ...options }));
  files.set(`dists/${name}/main/source/Sources.xz`, compressed);
  return compressed;
}

async function mirror(): Promise<string> {
  server = await serve((req, res) => {
    const body = files.get(req.url!.replace(/^\/debian\//, ''));
    return body ? res.writeHead(200).end(body) : res.writeHead(404).end();
  });
  return `${server.url}/debian`;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'freshet-debian-'));
  archiveHome = await makeKey('archive');
  otherHome = await makeKey('other');
  archiveKeyring = path.join(work, 'archive-keyring.gpg');
  await gpg(archiveHome, ['--export', '--output', archiveKeyring]);
});

afterAll(async () => {
  for (const name of ['archive', 'other', 'both']) {
    await run('gpgconf', ['--kill', 'gpg-agent'], { env: { GNUPGHOME: path.join(work, `gnupg-${name}`) }, allowFailure: true });
  }
  await rm(work, { recursive: true, force: true });
});

afterEach(async () => {
  files = new Map();
  await server?.close();
  server = undefined;
  resetHostQueues();
});

const upstream = (url: string, suiteName = 'bookworm') =>
  ({ kind: 'debian', package: 'hello', suite: suiteName, mirror: url, keyring: archiveKeyring }) as const;

describe('debian upstream and shipped versions, through the signed InRelease', () => {
  it('case 38: a good mirror works; the release sha256 comes from the signed index, and the index is reused while InRelease lists it', async () => {
    const url = await mirror();
    await suite('bookworm', helloSources);
    await suite('bookworm-updates', fixtureUpdates);
    const ctx = testContext([server!], 'hello');
    const releases = await debian.getReleases(upstream(url), ctx);
    expect(releases).toEqual([
      {
        version: '2.12.1',
        url: `${url}/pool/main/h/hello/hello_2.12.1.orig.tar.gz`,
        sha256: sha256(tarball),
        signedHash: { sha256: sha256(tarball), size: tarball.length },
      },
      expect.objectContaining({ version: '2.10', signedHash: { sha256: '31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b', size: 725946 } }),
      expect.objectContaining({ version: '2.10' }),
    ]);
    const target = { mirror: url, suites: ['bookworm', 'bookworm-updates'], keyring: archiveKeyring };
    expect(await shippedVersion(target, 'jq', ctx)).toBe('1:1.6-2.1+deb12u1');
    expect(await shippedVersion(target, 'absent', ctx)).toBeNull();
    // A suite the mirror does not have (no InRelease) ships nothing.
    expect(await shippedVersion({ ...target, suites: ['bookworm-backports'] }, 'hello', ctx)).toBeNull();
    // Next run: InRelease is fetched and verified again, the Sources index is not downloaded again.
    const before = server!.requests.length;
    expect(await shippedVersion(target, 'hello', { ...ctx, memo: new Map() })).toBe('2.12.1-1');
    expect(server!.requests.slice(before).map((request) => request.url)).toEqual(['/debian/dists/bookworm/InRelease', '/debian/dists/bookworm-updates/InRelease']);
  });

  it('case 38: refuses a Sources.xz whose hash differs from the signed InRelease, one InRelease does not list, and an index without InRelease', async () => {
    const url = await mirror();
    await suite('bookworm', helloSources);
    files.set('dists/bookworm/main/source/Sources.xz', await xz.compress(Buffer.from(helloSources.replace('2.12.1-1', '9.9-1'))));
    await expect(debian.getReleases(upstream(url), testContext([server!]))).rejects.toThrow(
      `Sources index bookworm/main: ${url}/dists/bookworm/main/source/Sources.xz: sha256 `,
    );
    await expect(debian.getReleases(upstream(url), testContext([server!]))).rejects.toThrow(/that the signed InRelease lists .*refusing it/);

    const compressed = await xz.compress(Buffer.from(helloSources));
    files.set('dists/sid/InRelease', await inRelease({ suite: 'sid', listed: { Sources: Buffer.from(helloSources) } }));
    files.set('dists/sid/main/source/Sources.xz', compressed);
    await expect(debian.getReleases(upstream(url, 'sid'), testContext([server!]))).rejects.toThrow(
      `${url}/dists/sid/InRelease: lists no main/source/Sources.xz or Sources.gz`,
    );

    // Unsigned index, no InRelease: nothing is read from it.
    files.set('dists/trixie/main/source/Sources.xz', compressed);
    expect(await debian.getReleases(upstream(url, 'trixie'), testContext([server!]))).toBeNull();
    expect(server!.requests.map((request) => request.url)).not.toContain('/debian/dists/trixie/main/source/Sources.xz');
  });

  it('case 38: refuses an InRelease with a bad or missing signature, one signed by another key, or one signed for another suite; another key beside a good one is ignored', async () => {
    const url = await mirror();
    await suite('bookworm', helloSources);
    const good = files.get('dists/bookworm/InRelease')!;
    const ask = () => debian.getReleases(upstream(url), testContext([server!]));

    files.set('dists/bookworm/InRelease', Buffer.from(good.toString().replace('Origin: Test', 'Origin: Evil')));
    await expect(ask()).rejects.toThrow(`${url}/dists/bookworm/InRelease: refusing it: the signature is BAD`);

    const text = good.toString();
    const unsigned = text.slice(text.indexOf('\n\n') + 2, text.indexOf('-----BEGIN PGP SIGNATURE-----'));
    files.set('dists/bookworm/InRelease', Buffer.from(unsigned));
    await expect(ask()).rejects.toThrow(`${url}/dists/bookworm/InRelease: refusing it: it holds no OpenPGP signature`);

    const plain = Buffer.from(helloSources);
    files.set('dists/bookworm/InRelease', await inRelease({ suite: 'bookworm', listed: { Sources: plain, 'Sources.xz': files.get('dists/bookworm/main/source/Sources.xz')! } }, otherHome));
    await expect(ask()).rejects.toThrow(`refusing it: the signature was made by a key that is not in ${archiveKeyring}`);

    // A genuinely signed InRelease of another suite, served in bookworm's place.
    files.set('dists/bookworm/InRelease', await inRelease({ suite: 'unstable', codename: 'sid', listed: { 'Sources.xz': files.get('dists/bookworm/main/source/Sources.xz')! } }));
    await expect(ask()).rejects.toThrow(`${url}/dists/bookworm/InRelease: signed for suite unstable/sid, not bookworm; refusing it`);

    // The distribution keyring does not sign a test mirror.
    await expect(debian.getReleases({ ...upstream(url), keyring: undefined }, testContext([server!]))).rejects.toThrow('not in /usr/share/keyrings/debian-archive-keyring.gpg');
    expect(server!.requests.map((request) => request.url)).not.toContain('/debian/dists/bookworm/main/source/Sources.xz');

    // Signed by the archive key and by one the keyring does not have (gpgv exits 2): good, as for apt.
    const both = path.join(work, 'gnupg-both');
    mkdirSync(both, { mode: 0o700 });
    for (const home of [archiveHome, otherHome]) {
      const secret = path.join(work, `secret-${path.basename(home)}.gpg`);
      await gpg(home, ['--export-secret-keys', '--output', secret]);
      await gpg(both, ['--import', secret]);
    }
    const signers = (await gpg(both, ['--list-secret-keys', '--with-colons'])).split('\n').filter((line) => line.startsWith('fpr:')).map((line) => line.split(':')[9]!);
    const input = path.join(work, 'release-both');
    writeFileSync(input, text.slice(text.indexOf('\n\n') + 2, text.indexOf('\n-----BEGIN PGP SIGNATURE-----')));
    await gpg(both, ['--clearsign', ...signers.flatMap((fingerprint) => ['--local-user', fingerprint]), '--output', `${input}.asc`, input]);
    files.set('dists/bookworm/InRelease', await readFile(`${input}.asc`));
    expect(await ask()).toHaveLength(3);
  });

  it('case 38: refuses an expired InRelease (Valid-Until passed) and one dated in the future', async () => {
    const url = await mirror();
    const day = 24 * 3600 * 1000;
    await suite('bookworm', helloSources, { date: new Date(Date.now() - 10 * day), validUntil: new Date(Date.now() - day) });
    await expect(debian.getReleases(upstream(url), testContext([server!]))).rejects.toThrow(/dists\/bookworm\/InRelease: expired \(Valid-Until .*\)/);
    await suite('bookworm', helloSources, { date: new Date(Date.now() + day) });
    await expect(debian.getReleases(upstream(url), testContext([server!]))).rejects.toThrow(/dists\/bookworm\/InRelease: not valid yet/);
    await suite('bookworm', helloSources, { date: new Date(Date.now() - day), validUntil: new Date(Date.now() + day) });
    expect(await debian.getReleases(upstream(url), testContext([server!]))).toHaveLength(3);
  });

  it('case 38: fetch refuses a tarball whose bytes differ from the Checksums-Sha256 of the signed index', async () => {
    const url = await mirror();
    await suite('bookworm', helloSources);
    const state = StateStore.openFile(':memory:');
    const http = new HttpClient({ allowHosts: [server!.host], rewrites: [], timeoutMs: 5_000, maxBytes: 10_000_000, perHost: 4 });
    try {
      const loaded = { recipe: { name: 'hello', upstream: upstream(url) } as unknown as Recipe, file: 'recipes/hello.yaml', filesDir: work };
      const [outcome] = await watchAll([loaded as LoadedRecipe], {} as never, state, { http });
      expect(outcome!.error).toBeUndefined();
      const row = state.release('hello', '2.12.1')!;
      expect(row.sha256).toBe(sha256(tarball));

      files.set('pool/main/h/hello/hello_2.12.1.orig.tar.gz', Buffer.from('a re-rolled tarball\n'));
      const release = { recipe: 'hello', upstreamVersion: '2.12.1', url: row.url, seenAt: row.seenAt };
      const options = { http, cacheDir: path.join(work, 'cache'), recipeFilesDir: work, knownSha256: row.sha256 ?? undefined };
      await expect(fetchRelease(release, {}, options)).rejects.toThrow(ReservedError);
      await expect(fetchRelease(release, {}, options)).rejects.toThrow(`first seen as sha256 ${sha256(tarball)}`);

      files.set('pool/main/h/hello/hello_2.12.1.orig.tar.gz', tarball);
      expect((await fetchRelease(release, {}, options)).sha256).toBe(sha256(tarball));
    } finally {
      http.close();
      state.close();
    }
  });

  it('case 38: stops a Sources.xz bomb at the limit, without holding what it inflates to', async () => {
    const url = await mirror();
    const bomb = await xz.compress(Buffer.alloc(12 * 1024 * 1024, 'a'));
    // Listed with its true (huge) plain size: the client's download limit (10 MB here) is the cap.
    files.set('dists/bookworm/InRelease', await inRelease({ suite: 'bookworm', listed: { 'Sources.xz': bomb } }));
    files.set('dists/bookworm/main/source/Sources.xz', bomb);
    await expect(debian.getReleases(upstream(url), testContext([server!]))).rejects.toThrow(
      `${url}/dists/bookworm/main/source/Sources.xz: decompresses to more than 10000000 bytes (the limit); refusing it`,
    );
    // Listed with a small plain size: that size is the cap.
    files.set('dists/bookworm/InRelease', await inRelease({ suite: 'bookworm', listed: { 'Sources.xz': bomb, Sources: Buffer.from(helloSources) } }));
    await expect(debian.getReleases(upstream(url), testContext([server!]))).rejects.toThrow(`decompresses to more than ${Buffer.byteLength(helloSources)} bytes (the limit)`);
  });

  it("case 38: verifies bookworm's real InRelease from Debian's mirror with debian-archive-keyring, and reads what it ships", async () => {
    // This machine resolves deb.debian.org to a proxy in a documentation range: trusted as a mirror, as the config would.
    const http = new HttpClient({ allowHosts: ['deb.debian.org:80'], rewrites: [], timeoutMs: 120_000, maxBytes: 200 * 1024 * 1024, perHost: 2 });
    try {
      const ctx = { ...testContext([]), http };
      const target = { mirror: 'http://deb.debian.org/debian', suites: ['bookworm'], keyring: DISTRO_KEYRINGS.debian };
      expect(await shippedVersion(target, 'hello', ctx)).toMatch(/^2\.10-3/);
    } finally {
      http.close();
    }
  });
});
