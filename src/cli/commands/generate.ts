import { existsSync } from 'node:fs';
import path from 'node:path';
import { findTarget, type ResolvedConfig } from '../../config/load.js';
import { ConfigError, ExitCode } from '../../core/errors.js';
import { generateDebianSource } from '../../generate/deb/index.js';
import { diffFileSets, generationDir, keepGeneration, readFileSet } from '../../generate/generations.js';
import { listRecipeFiles, loadRecipeFile, resolveRecipe, type ResolvedRecipe } from '../../recipe/load.js';
import { planVersion } from '../../versioning/planner.js';
import { action, configFor, output, type RegisterCommand } from '../context.js';

interface GenerateOptions {
  target: string;
  out: string;
  version?: string;
  packageVersion?: string;
  tarball?: string;
  date?: string;
  diff?: boolean;
}

/**
 * The upstream tarball to package. Integration point: once the fetch stage keeps a verified
 * cache, look the release up there (recipe + version → FetchedRelease.tarball) when no
 * --tarball is given.
 */
function locateTarball(options: GenerateOptions): string {
  if (!options.tarball) {
    throw new ConfigError('no upstream tarball given', { hint: 'pass --tarball FILE (the fetch cache is not consulted yet)' });
  }
  if (!existsSync(options.tarball)) throw new ConfigError(`--tarball: ${options.tarball} does not exist`);
  return options.tarball;
}

/** The upstream version from --version, else from the tarball name and the recipe's file pattern. */
function upstreamVersionOf(recipe: ResolvedRecipe, tarball: string, given: string | undefined): string {
  if (given) return given;
  const upstream = recipe.upstream;
  const found = upstream.kind === 'html-index' ? new RegExp(upstream.pattern).exec(path.basename(tarball))?.[1] : undefined;
  if (!found) throw new ConfigError(`${recipe.name}: cannot tell the upstream version from ${path.basename(tarball)}`, { hint: 'pass --version V' });
  return found;
}

/** The changelog date: --date, else SOURCE_DATE_EPOCH (reproducible builds), else now. */
function changelogDate(given: string | undefined): Date {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const date = given ? new Date(given) : epoch ? new Date(Number(epoch) * 1000) : new Date();
  if (Number.isNaN(date.getTime())) throw new ConfigError(`--date: "${given ?? epoch}" is not a date`);
  return date;
}

async function generate(config: ResolvedConfig, recipeName: string, options: GenerateOptions) {
  const target = findTarget(config, options.target);
  if (target.family !== 'deb') throw new ConfigError(`--target ${target.id}: only Debian-family targets can be generated so far`);
  const [file] = listRecipeFiles(config.recipesDir, [recipeName]);
  const loaded = loadRecipeFile(file!);
  const recipe = resolveRecipe(loaded, target.family, target.id, config.dependencies);
  if (recipe.skip) return { recipe: recipe.name, target: target.id, skipped: recipe.skip };
  const tarball = locateTarball(options);
  const given = upstreamVersionOf(recipe, tarball, options.version);
  const plan = options.packageVersion ? undefined : planVersion({ upstreamVersion: given, target, rebuild: 1 });
  const upstreamVersion = plan?.version ?? given;
  const generated = await generateDebianSource({
    recipe,
    recipeFilesDir: loaded.filesDir,
    target,
    upstreamVersion,
    packageVersion: options.packageVersion ?? plan!.full,
    tarball,
    maintainer: config.maintainer,
    date: changelogDate(options.date),
    outDir: options.out,
  });
  const keptDir = generationDir(config.stateDir, recipe.name, target.id);
  const current = readFileSet(generated.sourceDir);
  const debianOnly = new Map([...current].filter(([name]) => name.startsWith('debian/')));
  const diff = options.diff ? diffFileSets(readFileSet(keptDir), debianOnly) : undefined;
  keepGeneration(keptDir, debianOnly);
  return { recipe: recipe.name, target: target.id, sourceDir: generated.sourceDir, files: generated.files, diff };
}

export const registerGenerate: RegisterCommand = (program) => {
  program
    .command('generate')
    .description('write a Debian source package (orig tarball, unpacked tree, debian/) for one recipe and target')
    .argument('<recipe>', 'recipe name or file')
    .requiredOption('-t, --target <id>', 'target id from the config')
    .requiredOption('-o, --out <dir>', 'folder to write the source package into')
    .option('--version <version>', 'upstream version (default: read from the tarball name)')
    .option('--package-version <version>', 'full package version (default: from the version planner)')
    .option('--tarball <file>', 'the upstream tarball')
    .option('--date <date>', 'changelog date (default: $SOURCE_DATE_EPOCH, else now)')
    .option('--diff', 'print a unified diff of debian/ against the previous generation')
    .action(
      action(async (recipeName: string, options: GenerateOptions, command) => {
        const result = await generate(configFor(command), recipeName, options);
        output(command, result, () => {
          if ('skipped' in result) return `${result.recipe}: skipped for ${result.target}: ${result.skipped}`;
          const lines = result.files.map((name) => `wrote ${path.join(options.out, name)}`);
          if (result.diff !== undefined) lines.push(result.diff === '' ? 'debian/: no changes since the previous generation' : result.diff);
          return lines.join('\n');
        });
        return ExitCode.ok;
      }),
    );
};
