import type { Target } from '../types.js';
import { KEYRING_ASC, KEYRING_GPG } from '../sign/key.js';
import { COMPONENT } from '../publish/apt/release.js';

/**
 * What an operator needs to use the archive on one target: a deb822 .sources file (apt) or a
 * .repo file (dnf), and a one-line command that installs the key and that file.
 */
export const APT_KEYRING_PATH = `/etc/apt/keyrings/${KEYRING_GPG}`;

export function setupPath(target: Pick<Target, 'id' | 'family'>): string {
  return `setup/${target.id}.${target.family === 'deb' ? 'sources' : 'repo'}`;
}

export function sourcesFile(target: Pick<Target, 'codename'>, url: string): string {
  return [`Types: deb`, `URIs: ${url}`, `Suites: ${target.codename}`, `Components: ${COMPONENT}`, `Signed-By: ${APT_KEYRING_PATH}`, ''].join('\n');
}

export function repoFile(target: Pick<Target, 'id'>, url: string): string {
  return [
    `[freshet-${target.id}]`,
    `name=freshet packages for ${target.id}`,
    `baseurl=${url}rpm/${target.id}/`,
    'enabled=1',
    'gpgcheck=1',
    'repo_gpgcheck=1',
    `gpgkey=${url}${KEYRING_ASC}`,
    '',
  ].join('\n');
}

export function setupFile(target: Pick<Target, 'id' | 'family' | 'codename'>, url: string): string {
  return target.family === 'deb' ? sourcesFile(target, url) : repoFile(target, url);
}

/** A URL as one shell word: copy-pasted commands must not run anything a URL smuggles in. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./~-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

export function setupCommand(target: Pick<Target, 'id' | 'family'>, url: string): string {
  const file = shellWord(`${url}${setupPath(target)}`);
  if (target.family === 'rpm') return `sudo curl -fsSLo /etc/yum.repos.d/freshet.repo ${file}`;
  return [
    'sudo install -d -m 0755 /etc/apt/keyrings',
    `sudo curl -fsSLo ${APT_KEYRING_PATH} ${shellWord(url + KEYRING_GPG)}`,
    `sudo curl -fsSLo /etc/apt/sources.list.d/freshet.sources ${file}`,
    'sudo apt-get update',
  ].join(' && ');
}

export function setupFor(target: Pick<Target, 'id' | 'family'>, url: string): { setup: string; command: string } {
  return { setup: setupPath(target), command: setupCommand(target, url) };
}
