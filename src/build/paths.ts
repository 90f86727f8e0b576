import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository's containers/ folder: from src/build (tests) and dist/build (installed) alike. */
export function containersDir(): string {
  return fileURLToPath(new URL('../../containers/', import.meta.url));
}

export function containersConfFile(): string {
  return path.join(containersDir(), 'containers.conf');
}

export function containerfileFor(targetId: string): string {
  return path.join(containersDir(), targetId, 'Containerfile');
}
