import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { Config } from '../../src/config/schema.js';
import { redact } from '../../src/core/redact.js';
import { bearerToken, generateToken, tokenSha256, WorkerTokens } from '../../src/farm/coordinator/tokens.js';
import { isSafeName, isSha256 } from '../../src/farm/transfer-paths.js';
import { validate, parseYaml } from '../../src/recipe/yaml.js';

const targets = [{ id: 'debian-12', family: 'deb', distro: 'debian', release: '12', codename: 'bookworm', image: { bootstrap: { mirror: 'http://deb.debian.org/debian' } } }];

describe('worker tokens', () => {
  const alpha = generateToken();
  const beta = generateToken();
  const tokens = new WorkerTokens([
    { name: 'alpha', tokenSha256: tokenSha256(alpha) },
    { name: 'beta', tokenSha256: tokenSha256(beta) },
  ]);

  it('case 49: a token names its worker; a wrong, empty or missing token names nobody', () => {
    expect(tokens.authenticate(alpha)).toBe('alpha');
    expect(tokens.authenticate(beta)).toBe('beta');
    expect(tokens.authenticate(generateToken())).toBeUndefined();
    expect(tokens.authenticate(tokenSha256(alpha))).toBeUndefined();
    expect(tokens.authenticate(`${alpha}x`)).toBeUndefined();
    expect(tokens.authenticate('')).toBeUndefined();
    expect(tokens.authenticate(undefined)).toBeUndefined();
    expect(new WorkerTokens([]).authenticate(alpha)).toBeUndefined();
  });

  it('makes a fresh 256-bit token each time, which redaction hides', () => {
    expect(alpha).toMatch(/^freshet_wt_[A-Za-z0-9_-]{43}$/);
    expect(alpha).not.toBe(beta);
    expect(redact(`token=${alpha} done`)).toBe('token=[REDACTED] done');
  });

  it('reads a bearer token from the Authorization header only', () => {
    expect(bearerToken({ authorization: `Bearer ${alpha}` })).toBe(alpha);
    expect(bearerToken({ authorization: `bearer  ${alpha} ` })).toBe(alpha);
    expect(bearerToken({ authorization: `Basic ${alpha}` })).toBeUndefined();
    expect(bearerToken({})).toBeUndefined();
  });
});

describe('transfer names', () => {
  it.each(['hello_2.12-1~deb12+freshet1_amd64.deb', 'hello-2.12-1.fc41.x86_64.rpm', 'build.log', 'job-17', 'a'])('accepts %s', (name) => {
    expect(isSafeName(name)).toBe(true);
  });

  it.each(['', '.', '..', '.hidden', '../etc/passwd', 'a/b', 'a\\b', '%2e%2e', 'name with space', 'nul\0', 'é', 'x'.repeat(201)])('refuses %j', (name) => {
    expect(isSafeName(name)).toBe(false);
  });

  it('takes only lower-case 64-digit hex as a sha256', () => {
    const digest = tokenSha256('x');
    expect(isSha256(digest)).toBe(true);
    expect(isSha256(digest.toUpperCase())).toBe(false);
    expect(isSha256(digest.slice(1))).toBe(false);
    expect(isSha256(`../${digest.slice(3)}`)).toBe(false);
  });
});

describe('farm config', () => {
  const load = (farm: unknown) => resolveConfig(Config.parse({ targets, farm }), '/srv/freshet/freshet.config.yaml').farm;
  const configText = (workers: string) => `targets:\n  - { id: debian-12, family: deb, distro: debian, release: "12", codename: bookworm, image: { bootstrap: { mirror: "http://deb.debian.org/debian" } } }\nfarm:\n  workers:\n${workers}`;
  const errorOf = (text: string) => {
    try {
      validate(Config, parseYaml(text, 'freshet.config.yaml'), 'freshet.config.yaml');
    } catch (error) {
      return (error as Error).message;
    }
    return undefined;
  };

  it('has defaults for the listener and the upload cap, and no farm without the block', () => {
    expect(load(undefined)).toBeUndefined();
    expect(load({ workers: [] })).toEqual({ listen: '127.0.0.1:8790', maxUploadBytes: 2048 * 1024 * 1024, workers: [] });
  });

  it('refuses a token in place of its sha256, naming the field', () => {
    expect(errorOf(configText(`    - { name: alpha, tokenSha256: ${generateToken()} }\n`))).toMatch(/^freshet\.config\.yaml: farm\.workers\[0\]\.tokenSha256: must be the sha256 of the token .*never the token itself/);
  });

  it('refuses two workers with one name or one token', () => {
    const digest = tokenSha256(generateToken());
    expect(errorOf(configText(`    - { name: alpha, tokenSha256: ${digest} }\n    - { name: alpha, tokenSha256: ${tokenSha256('other')} }\n`))).toMatch(/farm\.workers\[1\]\.name: duplicate worker name alpha/);
    expect(errorOf(configText(`    - { name: alpha, tokenSha256: ${digest} }\n    - { name: beta, tokenSha256: ${digest} }\n`))).toMatch(/farm\.workers\[1\]\.tokenSha256: another worker has the same token/);
  });
});
