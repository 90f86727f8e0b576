/**
 * Words upstreams use for versions that come before a release: `2.0rc1`, `2.0-beta.2`,
 * `1.0.dev0`. A marker must stand alone as a word, so letters may not touch it on either side:
 * `1.0+devuan1` and `2.0+rcs` hold no marker.
 */
export const prereleaseWord = /(?<![A-Za-z])(?:alpha|beta|rc|pre|preview|dev)(?![A-Za-z])/i;

/** True when a version fragment carries a `~` or a pre-release word. */
export function looksLikePrerelease(fragment: string): boolean {
  return fragment.includes('~') || prereleaseWord.test(fragment);
}
