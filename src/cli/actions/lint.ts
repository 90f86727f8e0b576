import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type ResolvedConfig } from '../../config/load.js';
import { ExitCode, isUserError } from '../../core/errors.js';
import { listRecipeFiles, loadRecipeFile, resolveRecipe } from '../../recipe/load.js';
import { globalOptions, output } from '../context.js';

interface LintFinding {
  file: string;
  ok: boolean;
  errors: string[];
}

/** Lint every recipe (all of them, not just up to the first error) against every configured family. */
export function lintRecipes(config: ResolvedConfig, names: readonly string[]): LintFinding[] {
  return listRecipeFiles(config.recipesDir, names).map((file) => {
    const display = path.relative(process.cwd(), file) || file;
    try {
      const loaded = loadRecipeFile(file);
      for (const target of config.targets) resolveRecipe(loaded, target.family, target.id, config.dependencies);
      return { file: display, ok: true, errors: [] };
    } catch (error) {
      if (!isUserError(error)) throw error;
      return { file: display, ok: false, errors: error.message.split('\n') };
    }
  });
}

export async function lint(names: string[], command: Command): Promise<ExitCode> {
  const config = loadConfig(globalOptions(command).config);
  const findings = lintRecipes(config, names);
  const failed = findings.filter((finding) => !finding.ok);
  output(command, { ok: failed.length === 0, config: config.file, recipes: findings }, () =>
    [
      ...failed.flatMap((finding) => finding.errors),
      `${findings.length - failed.length} of ${findings.length} recipes valid (config ${path.relative(process.cwd(), config.file)})`,
    ].join('\n'),
  );
  return failed.length === 0 ? ExitCode.ok : ExitCode.usage;
}
