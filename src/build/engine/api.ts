import { UserError } from '../../core/errors.js';
import { docker } from './docker/index.js';
import { podman } from './podman/index.js';
import type { ContainerEngine, EngineName } from './types.js';

/** Every container engine freshet can drive; one folder each beside this file. */
export const engines: Record<EngineName, ContainerEngine> = { podman, docker };

export function getEngine(name: string): ContainerEngine {
  const engine = engines[name as EngineName];
  if (!engine) throw new UserError(`unknown container engine "${name}" (known: ${Object.keys(engines).join(', ')})`);
  return engine;
}
