import { z } from 'zod';
import { httpUrl } from '../../recipe/fields.js';
import { upstreamCommon } from '../schema.js';

export const NpmUpstream = z.strictObject({
  kind: z.literal('npm'),
  package: z.string().regex(/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/, 'must be an npm package name'),
  registry: httpUrl.optional(),
  ...upstreamCommon,
});
export type NpmUpstream = z.infer<typeof NpmUpstream>;
