import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSealer } from '../lib/sealed.ts';
import { createGuardedFetch, sealedWebhookUrls, webhookUrlProblem } from './webhook-urls.ts';

describe('webhookUrlProblem', () => {
  it.each([
    ['https://hooks.slack.com/services/T000/B000/XXXX'],
    ['https://example.com:8443/hook?x=1'],
    ['https://8.8.8.8/hook'],
  ])('accepts %s', (url) => {
    expect(webhookUrlProblem(url)).toBeUndefined();
  });

  it.each([
    ['http://hooks.slack.com/x', 'must use https'],
    ['https://user:pass@hooks.slack.com/x', 'must not carry credentials before the host'],
    ['https://localhost/x', 'must not point at a local host'],
    ['https://metadata.google.internal/x', 'must not point at a local host'],
    ['https://127.0.0.1/x', 'must not point at a private or reserved address'],
    ['https://10.0.0.8/x', 'must not point at a private or reserved address'],
    ['https://169.254.169.254/latest/meta-data', 'must not point at a private or reserved address'],
    ['https://[::1]/x', 'must not point at a private or reserved address'],
    ['https://[fd00::1]/x', 'must not point at a private or reserved address'],
    ['not a url', 'must be an absolute https URL'],
    ['javascript:alert(1)', 'must use https'],
  ])('refuses %s: %s', (url, problem) => {
    expect(webhookUrlProblem(url)).toBe(problem);
  });
});

describe('sealedWebhookUrls', () => {
  const urls = sealedWebhookUrls(createSealer({ current: randomBytes(32) }));

  it('stores a URL sealed and opens it again', () => {
    const url = 'https://hooks.slack.com/services/T000/B000/XXXX';
    const stored = urls.seal(url);
    expect(stored).not.toContain('hooks.slack.com');
    expect(urls.open(stored)).toBe(url);
  });

  it('still opens a plain URL written before sealing', () => {
    expect(urls.open('https://example.com/hook')).toBe('https://example.com/hook');
  });

  it('refuses a sealed value from another key', () => {
    const other = sealedWebhookUrls(createSealer({ current: randomBytes(32) }));
    expect(() => urls.open(other.seal('https://example.com/hook'))).toThrow();
  });
});

describe('createGuardedFetch', () => {
  const answered: string[] = [];
  const fakeFetch = (async (input: string | URL | Request) => {
    answered.push(String(input));
    return new Response('ok');
  }) as typeof fetch;
  const lookup = async (host: string) =>
    host === 'inside.example'
      ? [{ address: '10.1.2.3' }]
      : host === 'mixed.example'
        ? [{ address: '93.184.216.34' }, { address: '127.0.0.1' }]
        : [{ address: '93.184.216.34' }];
  const guarded = createGuardedFetch({ fetch: fakeFetch, lookup });

  it('lets public hosts through', async () => {
    const response = await guarded('https://hooks.example/x', { method: 'POST' });
    expect(await response.text()).toBe('ok');
    expect(answered).toContain('https://hooks.example/x');
  });

  it.each(['https://inside.example/x', 'https://mixed.example/x', 'http://127.0.0.1:9/x', 'https://[::1]/x'])(
    'refuses %s, which reaches a private or reserved address',
    async (url) => {
      await expect(guarded(url, { method: 'POST' })).rejects.toThrow(/private or reserved/);
      expect(answered).not.toContain(url);
    },
  );
});
