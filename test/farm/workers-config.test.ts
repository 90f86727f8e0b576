import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { tokenSha256, WorkerTokens } from '../../src/farm/coordinator/tokens.js';
import { addWorker, removeWorker } from '../../src/farm/coordinator/workers-config.js';

const CONFIG = `# the coordinator
targets:
  - id: debian-12 # bookworm
    family: deb
    distro: debian
    release: "12"
    codename: bookworm
    image: { bootstrap: { mirror: "http://deb.debian.org/debian", suite: bookworm, keyring: /usr/share/keyrings/debian-archive-keyring.gpg } }
`;

function scratchConfig(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'freshet-farm-config-')), 'freshet.config.yaml');
  writeFileSync(file, CONFIG);
  return file;
}

describe('freshet farm add-worker and remove-worker', () => {
  it("records only the hash of a new token, keeps the file's own lines and its comments, and the token authenticates", async () => {
    const file = scratchConfig();
    const alpha = await addWorker(file, 'alpha');
    const beta = await addWorker(file, 'beta');
    const text = readFileSync(file, 'utf8');
    for (const line of CONFIG.split('\n')) expect(text).toContain(line);
    expect(text).toContain(alpha.tokenSha256);
    expect(text).not.toContain(alpha.token);
    const farm = loadConfig(file).farm!;
    expect(farm.workers).toEqual([
      { name: 'alpha', tokenSha256: tokenSha256(alpha.token) },
      { name: 'beta', tokenSha256: tokenSha256(beta.token) },
    ]);
    expect(new WorkerTokens(farm.workers).authenticate(beta.token)).toBe('beta');
  });

  it('refuses a second worker of the same name unless asked to replace its token', async () => {
    const file = scratchConfig();
    const first = await addWorker(file, 'alpha');
    await expect(addWorker(file, 'alpha')).rejects.toThrow(/farm\.workers\[0\]: a worker named alpha exists/);
    const second = await addWorker(file, 'alpha', { replace: true });
    const tokens = new WorkerTokens(loadConfig(file).farm!.workers);
    expect(tokens.authenticate(second.token)).toBe('alpha');
    expect(tokens.authenticate(first.token)).toBeUndefined();
  });

  it('refuses a bad name before writing anything, and removes a worker', async () => {
    const file = scratchConfig();
    await expect(addWorker(file, '../Evil')).rejects.toThrow(/farm\.workers\[0\]\.name: must be 1-63 lower-case letters/);
    expect(readFileSync(file, 'utf8')).toBe(CONFIG);
    await addWorker(file, 'alpha');
    await removeWorker(file, 'alpha');
    expect(loadConfig(file).farm!.workers).toEqual([]);
    await expect(removeWorker(file, 'alpha')).rejects.toThrow(/no worker named alpha/);
  });
});
