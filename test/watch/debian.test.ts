import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signatureProblem } from '../../src/watch/debian/inrelease.js';
import { parseSources } from '../../src/watch/debian/sources-index.js';

const sources = readFileSync(new URL('fixtures/Sources', import.meta.url));

// Reading an index needs gpgv (its InRelease is verified): those tests are in debian.integration.test.ts.
describe('debian', () => {
  it('parses deb822 paragraphs permissively', () => {
    const index = parseSources(sources.toString());
    const hello = { directory: 'pool/main/h/hello', origFile: 'hello_2.10.orig.tar.gz', origSha256: '31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b', origSize: 725946 };
    expect(index.get('hello')).toEqual([
      { version: '2.10-3', ...hello },
      { version: '2.10-2', ...hello },
    ]);
    expect(index.get('base-files')![0]!.origFile).toBeUndefined();
    expect(index.get('jq')![0]!.origFile).toBe('jq_1.6.orig.tar.gz');
  });

  // gpgv's status lines for bookworm's real InRelease (three signatures), checked against a keyring
  // holding only the bookworm automatic key; gpgv exits 2.
  const bookwormOneKey = `[GNUPG:] NEWSIG
[GNUPG:] KEY_CONSIDERED 4CB50190207B4758A3F73A796ED0E7B82643E131 0
[GNUPG:] SIG_ID d1x1 2026-07-11 1783765031
[GNUPG:] GOODSIG 6ED0E7B82643E131 Debian Archive Automatic Signing Key (12/bookworm) <ftpmaster@debian.org>
[GNUPG:] VALIDSIG 4CB50190207B4758A3F73A796ED0E7B82643E131 2026-07-11 1783765031 0 4 0 1 8 01 4CB50190207B4758A3F73A796ED0E7B82643E131
[GNUPG:] NEWSIG
[GNUPG:] ERRSIG 78DBA3BC47EF2265 1 8 01 1783765032 9 B8E5F13176D2A7A75220028078DBA3BC47EF2265
[GNUPG:] NO_PUBKEY 78DBA3BC47EF2265
[GNUPG:] NEWSIG
[GNUPG:] ERRSIG F8D2585B8783D481 22 8 01 1783765141 9 4D64FEC119C2029067D6E791F8D2585B8783D481
[GNUPG:] NO_PUBKEY F8D2585B8783D481
`;

  it.each([
    ['one good signature beside keys the keyring lacks', bookwormOneKey, undefined],
    ['only keys the keyring lacks', bookwormOneKey.split('[GNUPG:] NEWSIG').slice(2).join(''), /not in \/k\.gpg \(78DBA3BC47EF2265, F8D2585B8783D481\)/],
    ['a bad signature beside a good one', `${bookwormOneKey}[GNUPG:] BADSIG 78DBA3BC47EF2265 x\n`, /signature is BAD/],
    ['a good signature over SHA-1', bookwormOneKey.replace(' 0 4 0 1 8 01 ', ' 0 4 0 1 2 01 '), /weak digest/],
    ['an expired key', '[GNUPG:] EXPKEYSIG 6ED0E7B82643E131 x\n[GNUPG:] VALIDSIG 4CB50190207B4758A3F73A796ED0E7B82643E131 2026-07-11 1783765031 0 4 0 1 8 01 x\n', /expired key/],
    ['no signature at all', '[GNUPG:] NODATA 1\n', /no OpenPGP signature/],
  ])('case 38: InRelease signatures as apt judges them: %s', (_name, status, problem) => {
    const found = signatureProblem(status, '/k.gpg');
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });
});
