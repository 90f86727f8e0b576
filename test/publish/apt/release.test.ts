import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { parseStanzas } from '../../../src/publish/apt/deb822.js';
import { buildRelease, checkIdentity, formatReleaseDate, nextReleaseDate, parseRelease, parseReleaseDate } from '../../../src/publish/apt/release.js';

const identity = { origin: 'freshet', label: 'freshet', suite: 'bookworm', codename: 'bookworm' };

describe('Release dates', () => {
  it('formats and parses RFC 2822 dates in UTC', () => {
    const date = new Date('2024-06-01T12:00:05Z');
    expect(formatReleaseDate(date)).toBe('Sat, 01 Jun 2024 12:00:05 UTC');
    expect(parseReleaseDate(formatReleaseDate(date))?.toISOString()).toBe(date.toISOString());
  });

  it('never moves back, nor ahead of the clock: a clock that went back keeps the last Date', () => {
    const last = new Date('2024-06-01T12:00:00Z');
    expect(nextReleaseDate(new Date('2024-05-01T00:00:00Z'), last).toISOString()).toBe('2024-06-01T12:00:00.000Z');
    expect(nextReleaseDate(new Date('2024-06-01T12:00:00.900Z'), last).toISOString()).toBe('2024-06-01T12:00:00.000Z');
    expect(nextReleaseDate(new Date('2024-06-01T12:00:01.200Z'), last).toISOString()).toBe('2024-06-01T12:00:01.000Z');
    expect(nextReleaseDate(new Date('2024-06-02T00:00:00.500Z'), last).toISOString()).toBe('2024-06-02T00:00:00.000Z');
  });
});

describe('Release file', () => {
  it('lists SHA256 and SHA512 with sizes, never MD5 or SHA1, and Valid-Until = Date + validDays', () => {
    const digest = { size: 12, sha256: 'a'.repeat(64), sha512: 'b'.repeat(128), md5: 'c'.repeat(32) };
    const text = buildRelease(identity, new Date('2024-06-01T00:00:00Z'), 7, [{ path: 'main/binary-amd64/Packages', digest }]);
    const release = parseRelease(text);
    expect(Object.fromEntries(release.filter(([key]) => !key.startsWith('SHA')))).toMatchObject({
      Suite: 'bookworm',
      Date: 'Sat, 01 Jun 2024 00:00:00 UTC',
      'Valid-Until': 'Sat, 08 Jun 2024 00:00:00 UTC',
      'Acquire-By-Hash': 'yes',
      Architectures: 'amd64 all',
    });
    expect(text).toContain(` ${'a'.repeat(64)} 12 main/binary-amd64/Packages`);
    expect(text).toContain(` ${'b'.repeat(128)} 12 main/binary-amd64/Packages`);
    expect(text).not.toMatch(/MD5|SHA1/);
    expect(parseStanzas(text)).toHaveLength(1);
  });

  it('refuses to change Origin, Label, Suite or Codename once published', () => {
    const published = parseRelease(buildRelease(identity, new Date(), 7, []));
    expect(() => checkIdentity(published, identity, 'archive')).not.toThrow();
    expect(() => checkIdentity(published, { ...identity, label: 'other' }, 'archive')).toThrow(ConfigError);
    expect(() => checkIdentity(published, { ...identity, label: 'other' }, 'archive')).toThrow(
      'archiveInfo.label: would change Label of archive from "freshet" to "other"; apt clients refuse such a change',
    );
    expect(() => checkIdentity(published, { ...identity, codename: 'trixie' }, 'archive')).toThrow(/Codename .*"bookworm" to "trixie"/);
  });
});
