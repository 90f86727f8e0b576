import { z } from 'zod';
import { httpUrl, regexSource } from '../../recipe/fields.js';
import { upstreamCommon } from '../schema.js';

export const GitlabUpstream = z.strictObject({
  kind: z.literal('gitlab'),
  /** group/name or group/subgroup/name */
  project: z.string().regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/, 'must be group/name'),
  /** The GitLab instance (default https://gitlab.com). */
  host: httpUrl.optional(),
  /** Read releases (default) or plain tags. */
  use: z.enum(['releases', 'tags']).optional(),
  tagPattern: regexSource.optional(),
  ...upstreamCommon,
});
export type GitlabUpstream = z.infer<typeof GitlabUpstream>;
