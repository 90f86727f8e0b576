import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/core/exec.js';
import { minimalSigningKey } from '../../../src/generate/deb/signing-key.js';
import { FIXTURES, ROOT } from './cases.js';

/**
 * What dpkg-source does with debian/upstream/signing-key.asc when gpg is installed (bookworm's
 * gpg 2.2: `gpg --dearmor`), and what lintian reads (`gpg --list-packets`), on every bundled key.
 */
const scratch = mkdtempSync(path.join(tmpdir(), 'freshet-signing-key-'));
const cases = [
  { name: 'hello', dir: path.join(ROOT, 'recipes/hello'), key: 'keys/signing-key.asc' },
  { name: 'cmocka', dir: path.join(ROOT, 'recipes/cmocka'), key: 'keys/signing-key.asc' },
  { name: 'lynx', dir: path.join(ROOT, 'recipes/lynx'), key: 'keys/signing-key.asc' },
  { name: 'fixture', dir: FIXTURES, key: 'keys/upstream.asc' },
];

/** Signature packets by another key than the primary key they follow (lintian's public-upstream-key-not-minimal). */
function thirdPartySignatures(listing: string): number {
  let count = 0;
  for (const block of listing.split(/^:public key packet:.*$/m).slice(1)) {
    const primary = /^\tkeyid: (\S+)$/m.exec(block)?.[1];
    for (const match of block.matchAll(/^:signature packet: algo \d+, keyid (\S+)$/gm)) if (match[1] !== primary) count += 1;
  }
  return count;
}

const gpg = (args: string[]) => run('gpg', ['--batch', '--homedir', scratch, ...args], { env: { LC_ALL: 'C' } });

describe.each(cases)('$name signing key', ({ name, dir, key }) => {
  it('dearmors with gpg and keeps every key, with only self-signatures', async () => {
    const file = path.join(scratch, `${name}.asc`);
    writeFileSync(file, await minimalSigningKey(dir, key));
    await gpg(['--yes', '--output', `${file}.pgp`, '--dearmor', file]);
    const packets = (await gpg(['--list-packets', `${file}.pgp`])).stdout;
    const original = (await gpg(['--list-packets', path.join(dir, key)])).stdout;
    const primaries = (text: string) => [...text.matchAll(/^:public key packet:\n(?:\t.*\n)*?\tkeyid: (\S+)$/gm)].map((match) => match[1]);
    expect(primaries(packets)).toEqual(primaries(original));
    expect(primaries(packets).length).toBeGreaterThan(0);
    expect(thirdPartySignatures(packets)).toBe(0);
    if (name === 'fixture') expect(thirdPartySignatures(original)).toBe(1);
  });
});
