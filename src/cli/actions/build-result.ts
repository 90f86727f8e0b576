import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import type { BuildResult } from '../../types.js';

const RECIPE_NAME = /^[a-z0-9][a-z0-9+.-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;
const ARTIFACT_KINDS = ['deb', 'udeb', 'dsc', 'source-tar', 'buildinfo', 'changes', 'rpm', 'srpm'] as const;

/** The rules a build-result file must pass (zod is loaded only when one does not: about 95 module files). */
export async function buildResultSchema() {
  const { z } = await import('zod');
  return z.looseObject({
    // A recipe name, never a path (loadRecipes reads a name ending in .yaml as a file).
    recipe: z.string().regex(RECIPE_NAME).refine((name) => !/\.ya?ml$/.test(name), 'a recipe name, not a file'),
    targetId: z.string(),
    packageVersion: z.string().min(1),
    status: z.enum(['ok', 'failed']),
    artifacts: z.array(
      z.looseObject({
        file: z.string(),
        kind: z.enum(ARTIFACT_KINDS),
        size: z.number().int().nonnegative(),
        sha256: z.string().regex(SHA256),
      }),
    ),
  });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The same rules as buildResultSchema in plain code, for the usual file that passes them: what this
 * accepts the schema accepts too (test/cli/build-result.test.ts), so the schema only has to run,
 * and zod to load, to explain a refusal. Keep the two in step.
 */
export function plainlyValid(data: unknown): boolean {
  if (!isObject(data)) return false;
  const { recipe, targetId, packageVersion, status, artifacts } = data;
  return (
    typeof recipe === 'string' && RECIPE_NAME.test(recipe) && !/\.ya?ml$/.test(recipe) &&
    typeof targetId === 'string' &&
    typeof packageVersion === 'string' && packageVersion.length > 0 &&
    (status === 'ok' || status === 'failed') &&
    Array.isArray(artifacts) &&
    artifacts.every(
      (artifact) =>
        isObject(artifact) &&
        typeof artifact.file === 'string' &&
        (ARTIFACT_KINDS as readonly unknown[]).includes(artifact.kind) &&
        Number.isSafeInteger(artifact.size) && (artifact.size as number) >= 0 &&
        typeof artifact.sha256 === 'string' && SHA256.test(artifact.sha256),
    )
  );
}

export async function readResult(file: string): Promise<BuildResult> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`${file}: not a readable build result (${(error as Error).message})`);
  }
  if (!plainlyValid(data)) {
    const parsed = (await buildResultSchema()).safeParse(data);
    if (!parsed.success) throw new UserError(`${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    data = parsed.data;
  }
  const result = data as BuildResult;
  if (result.status !== 'ok') throw new UserError(`${file}: build ${result.recipe} on ${result.targetId} failed; not publishing it`);
  // Artifact paths in a result file are relative to the file.
  return { ...result, artifacts: result.artifacts.map((artifact) => ({ ...artifact, file: path.resolve(path.dirname(file), artifact.file) })) };
}
