import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, UpstreamError } from '../../core/errors.js';
import { run } from '../../core/exec.js';
import { fetchCached } from '../fetch-json.js';
import type { WatchContext } from '../types.js';
import { paragraphs } from './deb822.js';

/** Keyrings the distributions ship: debian-archive-keyring and ubuntu-keyring. */
export const DISTRO_KEYRINGS = {
  debian: '/usr/share/keyrings/debian-archive-keyring.gpg',
  ubuntu: '/usr/share/keyrings/ubuntu-archive-keyring.gpg',
} as const;
export type KeyringDistro = keyof typeof DISTRO_KEYRINGS;

/** Debian's InRelease is ~200 kB, Ubuntu's ~250 kB. */
const MAX_INRELEASE_BYTES = 4 * 1024 * 1024;
/** apt's default leeway for a Date ahead of this machine's clock is none; a little skew is allowed. */
const FUTURE_TOLERANCE_MS = 10 * 60 * 1000;

export interface ListedFile {
  sha256: string;
  size: number;
}

/** A suite's InRelease after its signature checked out: only the signed text is kept. */
export interface VerifiedRelease {
  url: string;
  /** The files the signed text lists under `SHA256:`, by path below dists/<suite>/. */
  files: Map<string, ListedFile>;
}

function releaseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const parsed = Date.parse(value.replace(/ UTC$/, ' GMT'));
  return Number.isNaN(parsed) ? undefined : new Date(parsed);
}

function listedFiles(sha256Field: string | undefined): Map<string, ListedFile> {
  const files = new Map<string, ListedFile>();
  for (const line of (sha256Field ?? '').split('\n')) {
    const [sha256, size, name] = line.trim().split(/\s+/);
    if (sha256 && /^[0-9a-f]{64}$/.test(sha256) && size && /^\d+$/.test(size) && name) files.set(name, { sha256, size: Number(size) });
  }
  return files;
}

/** OpenPGP hash algorithms apt no longer trusts (MD5, SHA-1, RIPEMD-160), by their RFC 4880 ids. */
const WEAK_DIGESTS = new Set(['1', '2', '3']);

/**
 * apt's rule for gpgv's status lines: no bad signature, and at least one good one, over a strong
 * digest, by a key of the keyring. Debian signs with several keys; one the host's keyring does not
 * have yet (gpgv then exits 2) is ignored when another is good. Returns the problem, if any.
 */
export function signatureProblem(status: string, keyring: string): string | undefined {
  const lines = new Map<string, string[]>();
  for (const line of status.split('\n')) {
    const match = /^\[GNUPG:\] (\S+)(?: (.*))?$/.exec(line.trim());
    if (match) lines.set(match[1]!, [...(lines.get(match[1]!) ?? []), match[2] ?? '']);
  }
  const keyIds = (keyword: string) => (lines.get(keyword) ?? []).map((rest) => rest.split(' ')[0]!);
  if (lines.has('BADSIG')) return `the signature is BAD (the file or the signature was altered) (${keyIds('BADSIG').join(', ')})`;
  const good = keyIds('GOODSIG');
  const valid = (lines.get('VALIDSIG') ?? []).map((rest) => rest.split(' ')).filter(([fingerprint]) => good.some((id) => fingerprint?.endsWith(id)));
  if (valid.some((fields) => !WEAK_DIGESTS.has(fields[7] ?? ''))) return undefined;
  if (valid.length > 0) return 'the only good signatures use a weak digest (MD5, SHA-1 or RIPEMD-160)';
  if (lines.has('EXPKEYSIG')) return `the signature was made by an expired key (${keyIds('EXPKEYSIG').join(', ')})`;
  if (lines.has('REVKEYSIG')) return `the signature was made by a revoked key (${keyIds('REVKEYSIG').join(', ')})`;
  if (lines.has('NO_PUBKEY')) return `the signature was made by a key that is not in ${keyring} (${keyIds('NO_PUBKEY').join(', ')})`;
  if (lines.has('NODATA')) return 'it holds no OpenPGP signature';
  return 'gpgv reported no good signature';
}

/** gpgv against exactly one keyring, as apt does; returns the signed text, never the bytes around it. */
async function signedText(inRelease: Buffer, keyring: string, upstream: string, url: string): Promise<string> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'freshet-inrelease-'));
  try {
    const input = path.join(home, 'InRelease');
    const output = path.join(home, 'Release');
    await writeFile(input, inRelease);
    const result = await run('gpgv', ['--status-fd', '1', '--keyring', keyring, '--output', output, '--', input], {
      env: { GNUPGHOME: home, LC_ALL: 'C' },
      timeoutMs: 60_000,
      allowFailure: true,
    });
    const problem = signatureProblem(result.stdout, keyring);
    if (problem) throw new UpstreamError(upstream, `${url}: refusing it: ${problem}`);
    return await readFile(output, 'utf8');
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/**
 * A suite's InRelease, verified as apt verifies it: a good signature from the keyring (the
 * distribution's, or one configured for a private mirror), Date not in the future, Valid-Until not
 * passed, and Suite or Codename naming the suite asked for (so another suite's signed index cannot
 * be swapped in). Null when the mirror has no such suite (404). Verified once per run and suite.
 */
export function verifiedInRelease(ctx: WatchContext, mirror: string, suite: string, keyring: string, upstream: string, now = new Date()): Promise<VerifiedRelease | null> {
  const url = `${mirror.replace(/\/$/, '')}/dists/${suite}/InRelease`;
  const key = `${url}#verified:${keyring}`;
  let pending = ctx.memo.get(key) as Promise<VerifiedRelease | null> | undefined;
  if (!pending) {
    pending = verify(ctx, url, suite, keyring, upstream, now);
    ctx.memo.set(key, pending);
  }
  return pending;
}

async function verify(ctx: WatchContext, url: string, suite: string, keyring: string, upstream: string, now: Date): Promise<VerifiedRelease | null> {
  if (!existsSync(keyring)) {
    throw new ConfigError(`${upstream}: the keyring ${keyring} that signs ${url} is missing`, {
      hint: keyring === DISTRO_KEYRINGS.debian ? 'apt-get install debian-archive-keyring' : 'install the distribution keyring package, or configure the keyring file of the mirror',
    });
  }
  const fetched = await fetchCached(ctx, url, { upstream, maxBytes: MAX_INRELEASE_BYTES });
  if (!fetched) return null;
  const text = await signedText(fetched.body, keyring, upstream, url);
  const fields = paragraphs(text).next().value ?? new Map<string, string>();
  const names = [fields.get('suite'), fields.get('codename')];
  if (!names.includes(suite)) {
    throw new UpstreamError(upstream, `${url}: signed for suite ${names.filter(Boolean).join('/') || '(none)'}, not ${suite}; refusing it`);
  }
  const date = releaseDate(fields.get('date'));
  if (!date) throw new UpstreamError(upstream, `${url}: no valid Date field; refusing it`);
  if (date.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    throw new UpstreamError(upstream, `${url}: not valid yet (Date ${fields.get('date')} is in the future; check this machine's clock)`);
  }
  const validUntil = fields.get('valid-until');
  if (validUntil !== undefined) {
    const until = releaseDate(validUntil);
    if (!until || until.getTime() <= now.getTime()) {
      throw new UpstreamError(upstream, `${url}: expired (Valid-Until ${validUntil}); the mirror is stale or replaying an old index, refusing it`);
    }
  }
  return { url, files: listedFiles(fields.get('sha256')) };
}
