import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSealer } from '../lib/sealed.ts';
import { openConfig, patchConfig, sealConfig, visibleConfig } from './destination-secrets.ts';

const sealer = createSealer({ current: randomBytes(32) });
const SECRETS = ['apiSecret', 'oauth.refreshToken', 'oauth.clientSecret', 'oauth.serviceAccountKey'];

describe('destination secrets', () => {
  it('seals each secret field on its own and keeps the rest readable', () => {
    const stored = sealConfig(
      { measurementId: 'G-ABC', apiSecret: 's3cret', oauth: { clientId: 'cid', refreshToken: 'rt' } },
      SECRETS,
      sealer,
    );
    expect(stored.config).toEqual({ measurementId: 'G-ABC', oauth: { clientId: 'cid' } });
    expect(Object.keys(stored.secrets).sort()).toEqual(['apiSecret', 'oauth.refreshToken']);
    expect(JSON.stringify(stored)).not.toMatch(/s3cret|"rt"/);
    expect(openConfig(stored, sealer)).toEqual({
      measurementId: 'G-ABC',
      apiSecret: 's3cret',
      oauth: { clientId: 'cid', refreshToken: 'rt' },
    });
  });

  it('seals a JSON object secret (a service-account key) and gives the object back', () => {
    const key = { client_email: 'a@b.iam.gserviceaccount.com', private_key: '-----BEGIN…' };
    const stored = sealConfig({ oauth: { serviceAccountKey: key } }, SECRETS, sealer);
    expect(openConfig(stored, sealer)).toEqual({ oauth: { serviceAccountKey: key } });
  });

  it('shows which secrets are set, never their values', () => {
    const stored = sealConfig({ measurementId: 'G-ABC', apiSecret: 's3cret' }, SECRETS, sealer);
    expect(visibleConfig(stored, ['apiSecret'])).toEqual({ measurementId: 'G-ABC', apiSecretSet: true });
    expect(visibleConfig({ config: {}, secrets: {} }, ['apiSecret'])).toEqual({ apiSecretSet: false });
  });

  it('opens a value stored before sealing as plain text (webhook URLs of the old site setting)', () => {
    expect(openConfig({ config: {}, secrets: { url: 'https://hooks.example/x' } }, sealer)).toEqual({
      url: 'https://hooks.example/x',
    });
  });

  it('keeps a top-level secret a patch leaves out, and replaces an object a patch gives whole', () => {
    const stored = sealConfig(
      {
        measurementId: 'G-A',
        apiSecret: 'keep',
        oauth: { clientId: 'c', clientSecret: 'cs', refreshToken: 'rt' },
      },
      SECRETS,
      sealer,
    );
    const key = { client_email: 'x@y', private_key: 'k' };
    const patched = patchConfig(
      stored,
      { measurementId: 'G-B', oauth: { serviceAccountKey: key } },
      SECRETS,
      sealer,
    );
    expect(openConfig(patched, sealer)).toEqual({
      measurementId: 'G-B',
      apiSecret: 'keep',
      oauth: { serviceAccountKey: key },
    });
  });

  it('removes a field given as null, and a secret with it, keeping the rest', () => {
    const stored = sealConfig(
      { pixelId: '1', accessToken: 'token', testEventCode: 'TEST1', apiVersion: 'v25.0' },
      ['accessToken', 'developerToken'],
      sealer,
    );
    const patched = patchConfig(stored, { testEventCode: null, accessToken: null }, ['accessToken'], sealer);
    expect(openConfig(patched, sealer)).toEqual({ pixelId: '1', apiVersion: 'v25.0' });
    expect(patched.secrets).toEqual({});
    const nested = sealConfig({ oauth: { clientId: 'c', refreshToken: 'rt' } }, SECRETS, sealer);
    expect(openConfig(patchConfig(nested, { oauth: null }, SECRETS, sealer), sealer)).toEqual({});
  });
});
