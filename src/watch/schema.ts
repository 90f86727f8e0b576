import { z } from 'zod';
import { recipeFile, regexSource, sha256Hex, sha512Hex, urlTemplate } from '../recipe/fields.js';

/** A version as it appears in a recipe (quoted: an unquoted YAML 1.10 would be the number 1.1). */
export const versionKey = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.+~_-]{0,99}$/, 'must be a version string');

/** Fields every upstream kind accepts, beside its own. */
export const upstreamCommon = {
  /** uscan's uversionmangle: rewrite the found version before it is compared (`s/-rc/~rc/`). */
  mangle: z
    .array(
      z.strictObject({
        match: regexSource,
        replace: z.string().max(100).regex(/^[A-Za-z0-9.~+_$-]*$/, 'may only contain version characters and $1-style group references'),
      }),
    )
    .optional(),
  /** Pre-releases (rc, alpha, beta, dev…) are skipped unless `include`. */
  prerelease: z.enum(['exclude', 'include']).optional(),
  /** Only versions matching this regular expression are considered (for example a stable branch). */
  versions: regexSource.optional(),
  /** OpenPGP: the detached signature's URL and the signing key(s), kept beside the recipe. */
  signature: z.strictObject({ url: urlTemplate, key: recipeFile }).optional(),
  /** A published checksum file, such as `{url}.sha256` or `SHA256SUMS`. */
  checksumFile: z.strictObject({ url: urlTemplate, algorithm: z.enum(['sha256', 'sha512']) }).optional(),
  /** Known-good hashes per version, recorded by a packager who checked them. */
  sha256: z.record(versionKey, sha256Hex).optional(),
  sha512: z.record(versionKey, sha512Hex).optional(),
};
