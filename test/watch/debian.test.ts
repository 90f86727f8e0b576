import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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
});
