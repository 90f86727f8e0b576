import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { Config } from '../../src/config/schema.js';
import { ConfigError } from '../../src/core/errors.js';
import { httpPolicy } from '../../src/net/policy.js';

const targets = [{ id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } }];
const resolve = (extra: Record<string, unknown>) => resolveConfig(Config.parse({ targets, ...extra }), 'freshet.config.yaml');

describe('config forges', () => {
  it('case 35: forge tokens default to https://api.github.com and https://gitlab.com, and a configured GitLab host is its origin', () => {
    expect(httpPolicy(resolve({})).forgeOrigins).toEqual({ github: 'https://api.github.com', gitlab: 'https://gitlab.com' });
    expect(resolve({ forges: { gitlab: 'https://gitlab.gnome.org/', github: 'https://ghe.example.org/api/v3' } }).forges).toEqual({
      github: 'https://ghe.example.org',
      gitlab: 'https://gitlab.gnome.org',
    });
  });

  it('case 35: refuses a plain-http forge, naming the file and field, unless it is a loopback host allowHosts lists', () => {
    expect(() => resolve({ forges: { gitlab: 'http://gitlab.lan' } })).toThrow(ConfigError);
    expect(() => resolve({ forges: { gitlab: 'http://gitlab.lan' } })).toThrow(
      'freshet.config.yaml: forges.gitlab: http://gitlab.lan is plain http; a forge token is only sent over https (or to a loopback address listed in allowHosts)',
    );
    expect(() => resolve({ forges: { github: 'http://127.0.0.1:9000' } })).toThrow(/forges\.github: http:\/\/127\.0\.0\.1:9000 is plain http/);
    expect(() => resolve({ forges: { gitlab: 'http://10.0.0.5' }, allowHosts: ['10.0.0.5'] })).toThrow(/forges\.gitlab/);
    expect(resolve({ forges: { github: 'http://127.0.0.1:9000' }, allowHosts: ['127.0.0.1:9000'] }).forges.github).toBe('http://127.0.0.1:9000');
  });
});
