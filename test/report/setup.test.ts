import { describe, expect, it } from 'vitest';
import { repoFile, setupCommand, setupPath, sourcesFile } from '../../src/report/setup.js';

const url = 'https://packages.example.org/';

describe('operator setup files', () => {
  it('a deb822 sources file signed by the archive keyring', () => {
    expect(sourcesFile({ codename: 'bookworm' }, url)).toBe(
      'Types: deb\nURIs: https://packages.example.org/\nSuites: bookworm\nComponents: main\nSigned-By: /etc/apt/keyrings/freshet-archive-keyring.gpg\n',
    );
  });

  it('a .repo file with package and metadata signature checks', () => {
    const repo = repoFile({ id: 'fedora-42' }, url);
    expect(repo).toContain('baseurl=https://packages.example.org/rpm/fedora-42/\n');
    expect(repo).toContain('gpgcheck=1\nrepo_gpgcheck=1\n');
    expect(repo).toContain('gpgkey=https://packages.example.org/freshet-archive-keyring.asc\n');
    expect(setupPath({ id: 'fedora-42', family: 'rpm' })).toBe('setup/fedora-42.repo');
  });

  it('one-line commands install the key and the file', () => {
    expect(setupCommand({ id: 'debian-12', family: 'deb' }, url)).toBe(
      'sudo install -d -m 0755 /etc/apt/keyrings && sudo curl -fsSLo /etc/apt/keyrings/freshet-archive-keyring.gpg https://packages.example.org/freshet-archive-keyring.gpg && sudo curl -fsSLo /etc/apt/sources.list.d/freshet.sources https://packages.example.org/setup/debian-12.sources && sudo apt-get update',
    );
    expect(setupCommand({ id: 'fedora-42', family: 'rpm' }, url)).toBe('sudo curl -fsSLo /etc/yum.repos.d/freshet.repo https://packages.example.org/setup/fedora-42.repo');
  });

  it('quotes a URL that a shell would read as more than one word', () => {
    expect(setupCommand({ id: 'fedora-42', family: 'rpm' }, "https://x.example/a;b'c/")).toBe(
      `sudo curl -fsSLo /etc/yum.repos.d/freshet.repo 'https://x.example/a;b'\\''c/setup/fedora-42.repo'`,
    );
  });
});
