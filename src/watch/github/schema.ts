import { z } from 'zod';
import { httpUrl, regexSource } from '../../recipe/fields.js';
import { upstreamCommon } from '../schema.js';

export const GithubUpstream = z.strictObject({
  kind: z.literal('github'),
  /** owner/name */
  repo: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name'),
  /** Read releases (default) or plain tags. */
  use: z.enum(['releases', 'tags']).optional(),
  /** A release asset whose name matches this is the tarball; otherwise the source tarball. */
  asset: regexSource.optional(),
  /** Tag name to version: one capture group (default: an optional leading v, then the rest). */
  tagPattern: regexSource.optional(),
  /** API base, for GitHub Enterprise. */
  api: httpUrl.optional(),
  ...upstreamCommon,
});
export type GithubUpstream = z.infer<typeof GithubUpstream>;
