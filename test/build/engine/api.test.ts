import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { engines, getEngine } from '../../../src/build/engine/api.js';

describe('engine registry', () => {
  it('registers exactly the engine folders', () => {
    const dir = fileURLToPath(new URL('../../../src/build/engine/', import.meta.url));
    const folders = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(Object.keys(engines).sort()).toEqual(folders);
    for (const [name, engine] of Object.entries(engines)) expect(engine.name).toBe(name);
  });

  it('names the known engines when asked for another', () => {
    expect(() => getEngine('lxc')).toThrow(/unknown container engine "lxc" \(known: podman, docker\)/);
  });
});
