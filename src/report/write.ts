import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/load.js';
import { errorMessage } from '../core/errors.js';
import { log } from '../core/log.js';
import { writeFileAtomic } from '../publish/fs-atomic.js';
import { listRecipeFiles, loadRecipeFile } from '../recipe/load.js';
import type { StateStore } from '../state/store.js';
import { badge, stateColours, stateMessage } from './badge.js';
import { statusCsv } from './csv.js';
import { archiveFingerprint } from './fingerprint.js';
import { badgeVersion, overallState } from './format.js';
import { publishLog } from './logs.js';
import { recipeInfo, statusDocument, type RecipeInfo } from './model.js';
import { indexPage, recipePage } from './pages.js';
import { StatusDocument, statusJsonSchema, type BuildSummary } from './schema.js';
import { setupFile } from './setup.js';
import { schedulePreview } from '../serve/scheduler.js';
import { servedUrl } from '../serve/served-url.js';
import { keyStatus } from '../sign/key.js';

/**
 * Regenerate the report files in the archive root after a publish (and when `freshet serve`
 * starts): status pages, status.json and .csv, badges, setup files, redacted log copies. Each
 * file is replaced atomically, so a reader sees the old report or the new one.
 */
export interface WriteStatusOptions {
  /** Recipes to report on (default: every recipe in the config's folder that loads). */
  recipes?: RecipeInfo[];
  /** The archive key fingerprint (default: looked up; see fingerprint.ts). */
  fingerprint?: string | null;
}

/** Every recipe that loads; a broken recipe file is logged and left out, not fatal to the report. */
export function loadRecipeInfos(config: ResolvedConfig): RecipeInfo[] {
  const infos: RecipeInfo[] = [];
  for (const file of listRecipeFiles(config.recipesDir)) {
    try {
      infos.push(recipeInfo(loadRecipeFile(file), config.targets));
    } catch (error) {
      log.warn('recipe left out of the status report', { file, error: errorMessage(error) });
    }
  }
  return infos;
}

export async function buildStatus(
  config: ResolvedConfig,
  state: StateStore,
  now = new Date(),
  options: WriteStatusOptions = {},
): Promise<StatusDocument> {
  const recipes = options.recipes ?? loadRecipeInfos(config);
  const fingerprint = options.fingerprint !== undefined ? options.fingerprint : await archiveFingerprint(config);
  const doc = statusDocument(config, recipes, state, { now, fingerprint });
  Object.assign(doc.archive, await keyExpiry(config, now));
  // Only a farm loads BullMQ: the embedded mode reports exactly as before.
  if (config.queue) doc.farm = await (await import('../farm/coordinator/farm-status.js')).farmSnapshot(config, now);
  // The schedule is `freshet serve`'s: shown while one runs (it records the address it serves).
  if (config.stateDir && servedUrl(config.stateDir)) {
    const next = new Map(schedulePreview(config, state).map((entry) => [entry.recipe, entry.nextCheckAt]));
    for (const recipe of doc.recipes) recipe.nextCheckAt = next.get(recipe.name) ?? null;
  }
  // Parsing what we produce keeps status.json true to its published schema.
  return StatusDocument.parse(doc);
}

/** The archive key's expiry and, from signing.expiryWarningDays before it, a warning; nothing on a machine without the secret key. */
async function keyExpiry(config: ResolvedConfig, now: Date): Promise<{ keyExpiresAt: string | null; keyWarning: string | null }> {
  try {
    const status = await keyStatus(config.stateDir, config.signingKey, now, config.keyWarningDays);
    const warning = status.state === 'expired' || status.state === 'expiring-soon' ? `${status.message}: extend it (gpg --quick-set-expire) before clients refuse the archive` : null;
    return { keyExpiresAt: status.key?.expiresAt ?? null, keyWarning: warning };
  } catch (error) {
    log.warn('could not read the archive key expiry', { error: errorMessage(error) });
    return { keyExpiresAt: null, keyWarning: null };
  }
}

async function copyLogs(config: ResolvedConfig, state: StateStore, builds: readonly BuildSummary[]): Promise<void> {
  const done = new Set<string>();
  for (const build of builds) {
    if (done.has(build.id)) continue;
    done.add(build.id);
    const row = state.build(build.id);
    const gate = state.lastGate(build.id);
    const copies: Array<[string | null | undefined, string | null | undefined]> = [
      [row?.logFile, build.log],
      [gate?.logFile, build.gate?.log],
    ];
    for (const [source, link] of copies) {
      if (!source || !link || !existsSync(source)) continue;
      await publishLog(source, config.archiveDir, link).catch((error: unknown) =>
        log.warn('could not copy a log into the archive', { build: build.id, error: errorMessage(error) }),
      );
    }
  }
}

export async function writeStatus(
  config: ResolvedConfig,
  state: StateStore,
  now = new Date(),
  options: WriteStatusOptions = {},
): Promise<StatusDocument> {
  const doc = await buildStatus(config, state, now, options);
  const root = config.archiveDir;
  const write = (relative: string, text: string) => writeFileAtomic(path.join(root, relative), text);
  await copyLogs(config, state, doc.recipes.flatMap((recipe) => [...recipe.history, ...recipe.cells.flatMap((cell) => (cell.build ? [cell.build] : []))]));
  for (const target of doc.targets) await write(target.setup, setupFile(target, doc.archive.url));
  for (const recipe of doc.recipes) {
    const overall = overallState(recipe);
    await write(`badges/${recipe.name}.svg`, badge(recipe.name, stateMessage(overall, badgeVersion(recipe)), stateColours[overall]));
    for (const cell of recipe.cells) {
      await write(`badges/${recipe.name}/${cell.target}.svg`, badge(`${recipe.name} ${cell.target}`, stateMessage(cell.state, cell.published), stateColours[cell.state]));
    }
    await write(`status/${recipe.name}.html`, recipePage(recipe, doc));
  }
  await write('status.json', `${JSON.stringify(doc, null, 2)}\n`);
  await write('status.schema.json', `${JSON.stringify(statusJsonSchema(), null, 2)}\n`);
  await write('status.csv', statusCsv(doc));
  await write('status/index.html', indexPage(doc));
  log.debug('status report written', { archive: root, recipes: doc.recipes.length });
  return doc;
}
