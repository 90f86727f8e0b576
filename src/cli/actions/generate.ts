import type { Command } from 'commander';
import { existsSync, linkSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { findTarget, type ResolvedConfig } from '../../config/load.js';
import { ConfigError, ExitCode, UserError } from '../../core/errors.js';
import { fetchRelease } from '../../fetch/fetch.js';
import { generateDebianSource } from '../../generate/deb/index.js';
import { generateRpmSource } from '../../generate/rpm/index.js';
import { diffFileSets, generationDir, keepGeneration, readFileSet } from '../../generate/generations.js';
import { HttpClient } from '../../net/http.js';
import { httpPolicy } from '../../net/policy.js';
import { explicitRpmNames } from '../../pipeline/families.js';
import { stateLayout } from '../../pipeline/layout.js';
import { openStateClearingKilledRuns } from '../../pipeline/run-guard.js';
import { listRecipeFiles, loadRecipeFile, resolveRecipe, type LoadedRecipe, type ResolvedRecipe } from '../../recipe/load.js';
import { watchContext, watchRecipe } from '../../watch/watch.js';
import { planVersion } from '../../versioning/planner.js';
import { configFor, output } from '../context.js';
import type { GenerateOptions } from '../commands/generate.js';

/** A tarball given with --tarball must exist. */
function givenTarball(file: string): string {
  if (!existsSync(file)) throw new ConfigError(`--tarball: ${file} does not exist`);
  return file;
}

/**
 * No --tarball: ask the upstream for its releases (the watch functions) and fetch the newest, or
 * --version, into the state's verified cache. The cache names blobs by hash; the tarball is linked
 * under its upstream file name, which dpkg-source and the version pattern read.
 */
async function fetchNewest(config: ResolvedConfig, loaded: LoadedRecipe, wanted: string | undefined): Promise<{ tarball: string; signature: string | undefined; version: string }> {
  const name = loaded.recipe.name;
  const http = new HttpClient(httpPolicy(config));
  const state = await openStateClearingKilledRuns(config);
  try {
    const watched = await watchRecipe(loaded, watchContext(http, state, name));
    if (watched.error) throw new UserError(watched.error);
    const release = wanted ? watched.versions.find((found) => found.upstreamVersion === wanted || found.rawVersion === wanted) : (watched.newest ?? watched.versions[0]);
    if (!release) throw new ConfigError(`${name}: upstream lists ${wanted ? `no version ${wanted}` : 'no release'}`, { hint: 'pass --tarball FILE' });
    const fetched = await fetchRelease(
      { recipe: name, upstreamVersion: release.upstreamVersion, url: release.url, signatureUrl: release.signatureUrl, checksumUrl: release.checksumUrl, seenAt: new Date().toISOString() },
      loaded.recipe.upstream,
      { http, cacheDir: stateLayout(config).cache, recipeFilesDir: loaded.filesDir, knownSha256: state.release(name, release.upstreamVersion)?.sha256 ?? undefined },
    );
    const named = path.join(stateLayout(config).cache, 'named', name, release.upstreamVersion, path.basename(new URL(fetched.url).pathname));
    rmSync(named, { force: true });
    mkdirSync(path.dirname(named), { recursive: true });
    linkSync(fetched.tarball, named);
    return { tarball: named, signature: fetched.signature, version: release.upstreamVersion };
  } finally {
    state.close();
    http.close();
  }
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
  const [file] = listRecipeFiles(config.recipesDir, [recipeName]);
  const loaded = loadRecipeFile(file!);
  const recipe = resolveRecipe(loaded, target.family, target.id, config.dependencies);
  if (recipe.skip) return { recipe: recipe.name, target: target.id, skipped: recipe.skip };
  const found = options.tarball ? undefined : await fetchNewest(config, loaded, options.version);
  const tarball = found?.tarball ?? givenTarball(options.tarball!);
  const given = found?.version ?? upstreamVersionOf(recipe, tarball, options.version);
  const plan = options.packageVersion ? undefined : planVersion({ upstreamVersion: given, target, rebuild: 1 });
  const upstreamVersion = plan?.version ?? given;
  const input = {
    recipe,
    recipeFilesDir: loaded.filesDir,
    target,
    upstreamVersion,
    packageVersion: options.packageVersion ?? plan!.full,
    tarball,
    maintainer: config.maintainer,
    date: changelogDate(options.date),
    outDir: options.out,
  };
  // The same generators `freshet run` uses: a source package for Debian, an rpmbuild tree (spec, sources) for RPM.
  const generated =
    target.family === 'rpm'
      ? await generateRpmSource({ ...input, explicitNames: explicitRpmNames(loaded, target.id) })
      : await generateDebianSource({ ...input, upstreamSignature: found?.signature });
  // What is kept and diffed is what freshet wrote, not the upstream tarball: debian/, or the spec.
  const ours = target.family === 'rpm' ? (name: string) => name.startsWith('SPECS/') : (name: string) => name.startsWith('debian/');
  const keptDir = generationDir(config.stateDir, recipe.name, target.id);
  const written = new Map([...readFileSet(generated.sourceDir)].filter(([name]) => ours(name)));
  const diff = options.diff ? diffFileSets(readFileSet(keptDir), written) : undefined;
  keepGeneration(keptDir, written);
  return { recipe: recipe.name, target: target.id, sourceDir: generated.sourceDir, files: generated.files, diff, kept: target.family === 'rpm' ? 'SPECS/' : 'debian/' };
}

export async function generateCommand(recipeName: string, options: GenerateOptions, command: Command): Promise<ExitCode> {
  const result = await generate(await configFor(command), recipeName, options);
  output(command, result, () => {
    if ('skipped' in result) return `${result.recipe}: skipped for ${result.target}: ${result.skipped}`;
    const lines = result.files.map((name) => `wrote ${path.join(options.out, name)}`);
    if (result.diff !== undefined) lines.push(result.diff === '' ? `${result.kept}: no changes since the previous generation` : result.diff);
    return lines.join('\n');
  });
  return ExitCode.ok;
}
