import { describe, expect, it } from 'vitest';
import { parseGpgStatus } from '../../src/fetch/openpgp.js';

const fpr = '2371185508D1317BD578E5CC8CE6491AE30D7D75';
const validsig = `[GNUPG:] VALIDSIG ${fpr} 2026-03-18 1773804684 0 4 0 1 10 00 ${fpr}`;

describe('case 8: gpgv status lines', () => {
  it('accepts GOODSIG with VALIDSIG and returns the primary fingerprint', () => {
    expect(parseGpgStatus(`[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG 8CE6491AE30D7D75 Collin Funk\n${validsig}\n`)).toEqual({
      good: true,
      fingerprint: fpr,
      problem: undefined,
    });
  });

  it.each([
    ['BADSIG 8CE6491AE30D7D75 Collin Funk', /BAD/],
    ['EXPKEYSIG 51722B08FE4745A2 Simon Josefsson', /expired key/],
    ['REVKEYSIG 51722B08FE4745A2 Someone', /revoked key/],
    ['ERRSIG 51722B08FE4745A2 22 8 00 1661276919 9 -\n[GNUPG:] NO_PUBKEY 51722B08FE4745A2', /not among the recipe keys/],
    ['NODATA 1', /no OpenPGP signature/],
  ])('refuses %s', (line, problem) => {
    const status = parseGpgStatus(`[GNUPG:] ${line}\n${line.startsWith('EXPKEYSIG') ? validsig : ''}`);
    expect(status.good).toBe(false);
    expect(status.problem).toMatch(problem);
  });

  it('refuses output with no GOODSIG at all', () => {
    expect(parseGpgStatus('').good).toBe(false);
    expect(parseGpgStatus(validsig).good).toBe(false);
  });
});
