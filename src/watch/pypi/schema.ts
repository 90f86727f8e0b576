import { z } from 'zod';
import { httpUrl } from '../../recipe/fields.js';
import { upstreamCommon } from '../schema.js';

export const PypiUpstream = z.strictObject({
  kind: z.literal('pypi'),
  project: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, 'must be a PyPI project name'),
  index: httpUrl.optional(),
  ...upstreamCommon,
});
export type PypiUpstream = z.infer<typeof PypiUpstream>;
