import { ConfigError } from '../../core/errors.js';
import type { ReleaseDigest } from '../hash.js';
import { field, formatStanza, parseStanzas, type Stanza } from './deb822.js';

export const ARCHITECTURES = ['amd64', 'all'] as const;
export const COMPONENT = 'main';

export interface ReleaseIdentity {
  origin: string;
  label: string;
  suite: string;
  codename: string;
}

const DAY_MS = 86_400_000;
const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 2822 date in UTC, as Debian's Release files write it: `Sat, 01 Jun 2024 12:00:00 UTC`. */
export function formatReleaseDate(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${weekdays[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} UTC`;
}

export function parseReleaseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const parsed = Date.parse(value.replace(/ UTC$/, ' GMT'));
  return Number.isNaN(parsed) ? undefined : new Date(parsed);
}

/**
 * The Date of the next Release: now, but never before the last one (apt refuses an older Release),
 * so a clock that went back keeps the last Date. Never ahead of now either: apt refuses a Date over
 * 10 s in the future, which back-to-back publishes stepping a second each would soon reach; apt
 * takes a Release with the same Date. Whole seconds, as the field has.
 */
export function nextReleaseDate(now: Date, previous: Date | undefined): Date {
  const wholeNow = Math.floor(now.getTime() / 1000) * 1000;
  return new Date(previous ? Math.max(wholeNow, previous.getTime()) : wholeNow);
}

export function parseRelease(text: string): Stanza {
  return parseStanzas(text)[0] ?? [];
}

/**
 * Origin, Label, Suite and Codename never change once published: apt treats a change as an
 * error that every client must acknowledge by hand.
 */
export function checkIdentity(previous: Stanza | undefined, wanted: ReleaseIdentity, where: string): void {
  if (!previous) return;
  const fields: Array<[keyof ReleaseIdentity, string, string]> = [
    ['origin', 'Origin', 'archiveInfo.origin'],
    ['label', 'Label', 'archiveInfo.label'],
    ['suite', 'Suite', 'targets[].codename'],
    ['codename', 'Codename', 'targets[].codename'],
  ];
  for (const [key, name, configField] of fields) {
    const published = field(previous, name);
    if (published !== undefined && published !== wanted[key]) {
      throw new ConfigError(
        `${configField}: would change ${name} of ${where} from "${published}" to "${wanted[key]}"; apt clients refuse such a change`,
        { hint: `keep ${name}: ${published} (or publish to a new archive)` },
      );
    }
  }
}

export interface ReleaseFile {
  /** Path relative to dists/<suite>/. */
  path: string;
  digest: ReleaseDigest;
}

export function buildRelease(identity: ReleaseIdentity, date: Date, validDays: number, files: readonly ReleaseFile[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const width = Math.max(1, ...sorted.map((file) => String(file.digest.size).length));
  const list = (pick: (digest: ReleaseDigest) => string) =>
    `\n${sorted.map((file) => ` ${pick(file.digest)} ${String(file.digest.size).padStart(width)} ${file.path}`).join('\n')}`;
  const stanza: Stanza = [
    ['Origin', identity.origin],
    ['Label', identity.label],
    ['Suite', identity.suite],
    ['Codename', identity.codename],
    ['Date', formatReleaseDate(date)],
    ['Valid-Until', formatReleaseDate(new Date(date.getTime() + validDays * DAY_MS))],
    ['Architectures', ARCHITECTURES.join(' ')],
    ['Components', COMPONENT],
    ['Acquire-By-Hash', 'yes'],
    // binary-amd64/Packages lists the arch:all packages too, so apt need not fetch binary-all.
    ['No-Support-for-Architecture-all', 'Packages'],
    ['Description', `${identity.label} packages for ${identity.codename}`],
    ['SHA256', list((digest) => digest.sha256)],
    ['SHA512', list((digest) => digest.sha512)],
  ];
  return `${formatStanza(stanza)}\n`;
}
