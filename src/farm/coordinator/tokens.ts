import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

/**
 * Per-worker tokens. The coordinator's config holds only each token's sha256 (`farm.workers`), so a
 * leaked config lets nobody pose as a worker; the token itself is printed once by
 * `freshet farm add-worker` and lives on the worker. Tokens carry a prefix so that redaction and
 * secret scanners know them (src/core/redact.ts).
 */
export const TOKEN_PREFIX = 'freshet_wt_';

export interface WorkerCredential {
  name: string;
  tokenSha256: string;
}

export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(headers: http.IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

export class WorkerTokens {
  private readonly workers: Array<{ name: string; digest: Buffer }>;

  constructor(workers: readonly WorkerCredential[]) {
    this.workers = workers.map((worker) => ({ name: worker.name, digest: Buffer.from(worker.tokenSha256, 'hex') }));
  }

  /**
   * The name of the worker a token belongs to, or undefined. Every entry is compared, in constant
   * time, whichever matches, so the answer's timing says nothing about which worker is close.
   */
  authenticate(token: string | undefined): string | undefined {
    if (!token) return undefined;
    const presented = Buffer.from(tokenSha256(token), 'hex');
    let found: string | undefined;
    for (const worker of this.workers) {
      if (worker.digest.length === presented.length && timingSafeEqual(worker.digest, presented)) found ??= worker.name;
    }
    return found;
  }
}
