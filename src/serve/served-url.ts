import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isOwnerGone, processOwner } from '../core/process-owner.js';
import { writeFileAtomic } from '../publish/fs-atomic.js';

/**
 * The address a running `freshet serve` answers on, kept in the state folder so that every status
 * writer (a `freshet run` from cron, a webhook run) names it in setup files and the status page,
 * not the config's default: a client following them must reach this archive, never another one.
 */
const SERVED_FILE = 'serve.json';

export async function recordServedUrl(stateDir: string, url: string): Promise<void> {
  await writeFileAtomic(path.join(stateDir, SERVED_FILE), `${JSON.stringify({ url, owner: processOwner })}\n`);
}

export function clearServedUrl(stateDir: string): void {
  rmSync(path.join(stateDir, SERVED_FILE), { force: true });
}

/** The URL of the `freshet serve` running on this state, or undefined when none is. */
export function servedUrl(stateDir: string): string | undefined {
  try {
    const record = JSON.parse(readFileSync(path.join(stateDir, SERVED_FILE), 'utf8')) as { url?: unknown; owner?: unknown };
    if (typeof record.url !== 'string' || typeof record.owner !== 'string' || isOwnerGone(record.owner)) return undefined;
    return record.url;
  } catch {
    return undefined;
  }
}
