/**
 * Secrets are redacted in one place, before anything is logged, stored or shown on the status
 * page. Registered values (tokens from the environment, webhook secrets) are replaced exactly;
 * well-known token shapes are replaced even when nobody registered them.
 */
const registered = new Set<string>();

export const REDACTED = '[REDACTED]';

const tokenShapes: RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g, // GitHub tokens
  /\bglpat-[A-Za-z0-9_-]{20,}\b/g, // GitLab personal access tokens
  /\bnpm_[A-Za-z0-9]{30,}\b/g, // npm tokens
  /\bfreshet_wt_[A-Za-z0-9_-]{40,}/g, // freshet build-farm worker tokens (src/farm/coordinator/tokens.ts)
  /-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]*?-----END PGP PRIVATE KEY BLOCK-----/g,
];

/** Shapes whose first group is a label to keep: `Authorization: Bearer <secret>`, `//user:<secret>@`. */
const labelledShapes: Array<[RegExp, string]> = [
  [/(\b(?:authorization|private-token|x-api-key)\s*[:=]\s*(?:bearer\s+|token\s+)?)[^\s'",]+/gi, `$1${REDACTED}`],
  [/(\/\/[^/\s:@]+:)[^@\s/]+@/g, `$1${REDACTED}@`],
];

export function registerSecret(value: string | undefined): void {
  // Short values would redact ordinary words; real secrets are long.
  if (value && value.length >= 8) registered.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of registered) out = out.split(secret).join(REDACTED);
  for (const shape of tokenShapes) out = out.replace(shape, REDACTED);
  for (const [shape, replacement] of labelledShapes) out = out.replace(shape, replacement);
  return out;
}

/** For tests: forget registered secrets. */
export function resetSecrets(): void {
  registered.clear();
}
