import { z } from 'zod';
import { httpUrl, versionPattern } from '../../recipe/fields.js';
import { upstreamCommon } from '../schema.js';

/** A download page or directory listing, read like Debian's uscan reads a watch file. */
export const HtmlIndexUpstream = z.strictObject({
  kind: z.literal('html-index'),
  /** The page that links to the release tarballs. */
  url: httpUrl,
  /** Matched against each link's file name; its one capture group is the version. */
  pattern: versionPattern,
  ...upstreamCommon,
});
export type HtmlIndexUpstream = z.infer<typeof HtmlIndexUpstream>;
