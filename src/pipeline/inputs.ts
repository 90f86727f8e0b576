import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { containerfileFor } from '../build/paths.js';
import type { ResolvedRecipe } from '../recipe/load.js';

/**
 * The hash of everything a package is made from besides the tarball: the resolved recipe, the
 * files beside it (patches), the templates and the target's builder definition. When it changes,
 * `freshet run` rebuilds with the next rebuild number.
 */
const templatesDir = new URL('../../templates/', import.meta.url);

/**
 * Raised when a change to freshet's own code changes what goes into a family's source packages
 * beyond the templates, so published packages are rebuilt with it. 0 is not hashed, so hashes
 * recorded before revisions existed still hold. deb 1: the verified upstream signature ships as
 * `<orig>.asc` beside the orig tarball.
 */
const GENERATOR_REVISIONS = { deb: 1, rpm: 0 } as const;

const familyTemplates = { deb: 'debian', rpm: 'rpm' } as const;
const templatesHashes = new Map<string, string>();

function hashFiles(dir: string, hash: ReturnType<typeof createHash>): void {
  if (!existsSync(dir)) return;
  for (const file of fg.sync('**/*', { cwd: dir, dot: true, onlyFiles: true }).sort()) {
    hash.update(file).update('\0').update(readFileSync(path.join(dir, file))).update('\0');
  }
}

/** Only the family's own templates: editing the spec template does not rebuild .debs. */
function templatesDigest(family: keyof typeof familyTemplates): string {
  let digest = templatesHashes.get(family);
  if (!digest) {
    const hash = createHash('sha256');
    hashFiles(path.join(templatesDir.pathname, familyTemplates[family]), hash);
    digest = hash.digest('hex');
    templatesHashes.set(family, digest);
  }
  return digest;
}

export function inputsHash(recipe: ResolvedRecipe, recipeFilesDir: string): string {
  const hash = createHash('sha256');
  const revision = GENERATOR_REVISIONS[recipe.family];
  if (revision > 0) hash.update(`generator ${revision}\0`);
  hash.update(JSON.stringify(recipe)).update('\0').update(templatesDigest(recipe.family)).update('\0');
  hashFiles(recipeFilesDir, hash);
  const containerfile = containerfileFor(recipe.targetId);
  if (existsSync(containerfile)) hash.update(readFileSync(containerfile));
  return hash.digest('hex').slice(0, 16);
}
