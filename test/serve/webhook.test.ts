import { describe, expect, it } from 'vitest';
import { redact, resetSecrets } from '../../src/core/redact.js';
import { hookSecret, sign, signatureMatches, verifyHook } from '../../src/serve/webhook.js';

const secret = 'webhook-secret-0123456789';
const body = Buffer.from('{"ref":"refs/tags/v1.0"}');

describe('case 31: webhook signatures', () => {
  it('matches GitHub’s documented example', () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    expect(sign("It's a Secret to Everybody", 'Hello, World!')).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });

  it.each([
    ['the right signature', sign(secret, body), true],
    ['upper-case hex', sign(secret, body).toUpperCase().replace('SHA256=', 'sha256='), true],
    ['missing', undefined, false],
    ['empty', '', false],
    ['another secret', sign('another-secret-0123456789', body), false],
    ['truncated', sign(secret, body).slice(0, 20), false],
    ['sha1 prefix', sign(secret, body).replace('sha256', 'sha1'), false],
    ['not hex', `sha256=${'z'.repeat(64)}`, false],
  ])('%s → %s', (_name, header, expected) => {
    expect(signatureMatches(secret, body, header)).toBe(expected);
  });

  it('reads either header', () => {
    expect(verifyHook(secret, body, { 'x-freshet-signature-256': sign(secret, body) })).toBe(true);
    expect(verifyHook(secret, body, { 'x-hub-signature-256': sign(secret, body) })).toBe(true);
    expect(verifyHook(secret, body, { 'x-hub-signature': sign(secret, body) })).toBe(false);
  });

  it('finds the secret through the configured variable and registers it for redaction', () => {
    resetSecrets();
    const config = { webhooks: { hello: { secretEnv: 'HELLO_SECRET' } } };
    expect(hookSecret(config, 'hello', { HELLO_SECRET: secret })).toBe(secret);
    expect(redact(`oops ${secret}`)).toBe('oops [REDACTED]');
    expect(hookSecret(config, 'hello', {})).toBeUndefined();
    expect(hookSecret(config, 'other', { HELLO_SECRET: secret })).toBeUndefined();
    expect(hookSecret(config, 'toString', { HELLO_SECRET: secret })).toBeUndefined();
    resetSecrets();
  });
});
