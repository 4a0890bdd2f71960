import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBogon } from '../../enrich/bogons.ts';
import { createGuardedFetch, webhookUrlProblem } from './webhook-urls.ts';

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

describe('createGuardedFetch', () => {
  /**
   * A local server stands for both a public host and the inside of the network: the tests treat
   * 127.0.0.2 as public and 127.0.0.1 as the refused inside, and see which address a request reached.
   */
  let server: Server;
  let port: number;
  const reached: string[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      reached.push(`${request.socket.localAddress} ${request.url}`);
      if (request.url === '/redirect') {
        response.writeHead(302, { location: `http://127.0.0.1:${port}/inside` }).end();
      } else response.end('ok');
    });
    server.listen(0, '0.0.0.0');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const isRefused = (address: string) =>
    address === '127.0.0.1' || (isBogon(address) && !address.startsWith('127.'));
  const fixed = (address: string) => async () => [{ address, family: 4 }];

  it('lets a public host through, connecting to the address it vetted', async () => {
    const guarded = createGuardedFetch({ resolve: fixed('127.0.0.2'), isRefused });
    const response = await guarded(`http://hooks.example:${port}/public`, { method: 'POST', body: '{}' });
    expect(await response.text()).toBe('ok');
    expect(reached).toContain('127.0.0.2 /public');
  });

  it('resolves a name once, at connect time, so a rebinding answer never reaches the inside', async () => {
    const answers = ['127.0.0.2', '127.0.0.1'];
    let lookups = 0;
    const rebinding = async () => [{ address: answers[Math.min(lookups++, 1)]!, family: 4 }];
    const guarded = createGuardedFetch({ resolve: rebinding, isRefused });
    const response = await guarded(`http://rebind.example:${port}/rebind`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(lookups).toBe(1);
    expect(reached).toContain('127.0.0.2 /rebind');
    expect(reached).not.toContain('127.0.0.1 /rebind');
  });

  it('refuses a name that resolves to a refused address, and a name with any refused address', async () => {
    for (const resolve of [
      fixed('127.0.0.1'),
      async () => [
        { address: '127.0.0.2', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
    ]) {
      const guarded = createGuardedFetch({ resolve, isRefused });
      const error = await guarded(`http://inside.example:${port}/inside-by-name`).catch(
        (caught: Error) => caught,
      );
      expect(String((error as Error).cause ?? error)).toMatch(/private or reserved/);
    }
    expect(reached.filter((line) => line.endsWith('/inside-by-name'))).toEqual([]);
  });

  it.each(['http://127.0.0.1:9/x', 'https://[::1]/x', 'http://169.254.169.254/latest/meta-data'])(
    'refuses the address literal %s without connecting',
    async (url) => {
      const guarded = createGuardedFetch({ resolve: fixed('127.0.0.2') });
      await expect(guarded(url, { method: 'POST' })).rejects.toThrow(/private or reserved/);
    },
  );

  it('refuses to follow a redirect, which could name an inner address literal', async () => {
    const guarded = createGuardedFetch({ resolve: fixed('127.0.0.2'), isRefused });
    await expect(guarded(`http://hooks.example:${port}/redirect`, { method: 'POST' })).rejects.toThrow();
    expect(reached).not.toContain('127.0.0.1 /inside');
  });
});
