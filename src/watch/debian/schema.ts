import { z } from 'zod';
import { httpUrl } from '../../recipe/fields.js';
import { packageName } from '../../recipe/fields.js';
import { upstreamCommon } from '../schema.js';

/** A source package in a Debian (or Ubuntu) suite's Sources index; its orig tarball is the release. */
export const DebianUpstream = z.strictObject({
  kind: z.literal('debian'),
  package: packageName,
  suite: z.string().regex(/^[a-z0-9-]+$/, 'must be a suite name such as sid or bookworm'),
  mirror: httpUrl.optional(),
  component: z.string().regex(/^[a-z0-9-]+$/).optional(),
  /** Whose keyring signs the suite's InRelease (default debian: debian-archive-keyring). */
  distro: z.enum(['debian', 'ubuntu']).optional(),
  /** A keyring file (binary, as gpgv reads it) for a mirror the distribution keyring does not sign. */
  keyring: z.string().regex(/^\//, 'must be an absolute path to a keyring file').optional(),
  ...upstreamCommon,
});
export type DebianUpstream = z.infer<typeof DebianUpstream>;
