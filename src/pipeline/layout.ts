import path from 'node:path';
import type { ResolvedConfig } from '../config/load.js';

/** Where freshet keeps its working files under the state folder. */
export function stateLayout(config: Pick<ResolvedConfig, 'stateDir'>) {
  return {
    /** Content-addressed tarball cache. */
    cache: path.join(config.stateDir, 'cache'),
    /** One folder per build: source, artifacts, logs. */
    builds: path.join(config.stateDir, 'builds'),
    /** Staging copies of the archive for the gate. */
    staging: path.join(config.stateDir, 'staging'),
    /** Held by the `freshet run` that writes this state and its archive. */
    runLock: path.join(config.stateDir, 'run.lock'),
  };
}

/**
 * A build id usable as a folder and container name: recipe, target, version, rebuild, and the
 * attempt when a failed build's rebuild number is built again (`_r1`, `_r1.2`).
 */
export function buildId(recipe: string, targetId: string, upstreamVersion: string, rebuild: number, attempt = 1): string {
  return `${recipe}_${targetId}_${upstreamVersion}_r${rebuild}${attempt > 1 ? `.${attempt}` : ''}`.replace(/[^A-Za-z0-9_.-]/g, '-');
}

/** The attempt a build id names (buildId's `.N`), 1 without one. */
export function attemptOf(id: string): number {
  return Number(/_r\d+\.(\d+)$/.exec(id)?.[1] ?? 1);
}
