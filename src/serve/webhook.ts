import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { ResolvedConfig } from '../config/load.js';
import { registerSecret } from '../core/redact.js';

/**
 * POST /hooks/<recipe>: a forge tells freshet that a recipe's upstream has a new release. The raw
 * body must carry an HMAC-SHA256 signature made with the recipe's secret (read from the
 * environment variable the config names): GitHub's `X-Hub-Signature-256: sha256=<hex>` or the
 * generic `X-Freshet-Signature-256: sha256=<hex>`. Anything else gets 401 and triggers nothing;
 * the answer does not say which check failed.
 */
export const HOOK_PREFIX = '/hooks/';
export const MAX_HOOK_BODY_BYTES = 1024 * 1024;
const SIGNATURE_HEADERS = ['x-hub-signature-256', 'x-freshet-signature-256'] as const;
const RECIPE_NAME = /^[a-z0-9][a-z0-9+.-]{1,99}$/;

export function sign(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of one `sha256=<hex>` header value against the body. */
export function signatureMatches(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1]!.toLowerCase(), 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function hookSecret(config: Pick<ResolvedConfig, 'webhooks'>, recipe: string, env: NodeJS.ProcessEnv): string | undefined {
  if (!Object.hasOwn(config.webhooks, recipe)) return undefined;
  const secret = env[config.webhooks[recipe]!.secretEnv];
  if (!secret) return undefined;
  registerSecret(secret);
  return secret;
}

/** A signature header is present: without one the body is not worth reading. */
export function hasSignature(headers: http.IncomingHttpHeaders): boolean {
  return SIGNATURE_HEADERS.some((name) => typeof headers[name] === 'string');
}

export function verifyHook(secret: string, body: Buffer, headers: http.IncomingHttpHeaders): boolean {
  return SIGNATURE_HEADERS.some((name) => {
    const value = headers[name];
    return typeof value === 'string' && signatureMatches(secret, body, value);
  });
}

/** A recipe that has a webhook configured and a recipe file; anything else is unknown. */
export function knownRecipe(config: Pick<ResolvedConfig, 'webhooks' | 'recipesDir'>, name: string): boolean {
  if (!RECIPE_NAME.test(name) || !Object.hasOwn(config.webhooks, name)) return false;
  return ['yaml', 'yml'].some((ext) => existsSync(path.join(config.recipesDir, `${name}.${ext}`)));
}

export class BodyTooLarge extends Error {}

/**
 * The raw body, refused past `limit` bytes (declared or actual). Reading stops at the limit: the
 * caller answers with `connection: close`, so the rest is never read.
 */
export function readBody(request: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData);
        request.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
