import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sha256Hex } from '../recipe/fields.js';
import { loadYamlFile } from '../recipe/yaml.js';

/** A path served by the mirror: host first, then the upstream's own path; no `..`, no leading slash. */
const mirrorPath = z
  .string()
  .regex(/^[a-z0-9.-]+(\/[A-Za-z0-9._+~-]+)+$/, 'must be host/path made of letters, digits and ._+~-')
  .refine((value) => !value.split('/').includes('..'), 'must not contain ..');

export const MirrorFile = z.strictObject({
  path: mirrorPath,
  /** Path in Debian's archive, below the mirror root (pool/main/h/hello/…). */
  pool: z.string().regex(/^pool\/[a-z0-9/+._~-]+$/),
  sha256: sha256Hex,
  size: z.number().int().positive(),
});
export type MirrorFile = z.infer<typeof MirrorFile>;

export const MirrorManifest = z.strictObject({
  /** Upstreams of the bundled recipes. */
  recipes: z.record(z.string(), z.array(MirrorFile).min(1)),
  /** Upstreams with no recipe, for `freshet new`. */
  extra: z.record(z.string(), z.array(MirrorFile).min(1)),
});
export type MirrorManifest = z.infer<typeof MirrorManifest>;

export const DEFAULT_MANIFEST = fileURLToPath(new URL('../../src/mirror/manifest.yaml', import.meta.url));

export function loadMirrorManifest(file = DEFAULT_MANIFEST): MirrorManifest {
  return loadYamlFile(MirrorManifest, file, 'src/mirror/manifest.yaml');
}

/** Every file of the manifest, optionally only those of some upstreams. */
export function manifestFiles(manifest: MirrorManifest, only: readonly string[] = []): Array<MirrorFile & { upstream: string }> {
  const all = [...Object.entries(manifest.recipes), ...Object.entries(manifest.extra)];
  return all
    .filter(([name]) => only.length === 0 || only.includes(name))
    .flatMap(([upstream, files]) => files.map((file) => ({ ...file, upstream })));
}
