import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformFetch } from './platform-fetch.ts';

let server: Server;
let base: string;
const seen: Array<{ method: string; url: string; contentType: string | undefined; body: string }> = [];
beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({
        method: request.method!,
        url: request.url!,
        contentType: request.headers['content-type'],
        body,
      });
      if (request.url === '/empty') return void response.writeHead(204).end();
      if (request.url === '/busy')
        return void response.writeHead(429, { 'retry-after': '7' }).end('slow down');
      if (request.url === '/moved') return void response.writeHead(302, { location: '/elsewhere' }).end();
      if (request.url === '/hang') return;
      response
        .writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] })
        .end('{"ok":true}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('the platforms’ fetch', () => {
  const platformFetch = createPlatformFetch();

  it('posts a JSON string and answers a Response the platform modules read as fetch’s', async () => {
    const response = await platformFetch(`${base}/mp/collect?api_secret=s`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ ok: true });
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      url: '/mp/collect?api_secret=s',
      contentType: 'application/json',
      body: '{"a":1}',
    });
  });

  it('sends form parameters form-encoded, as the OAuth token endpoint takes them', async () => {
    await platformFetch(`${base}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', x: 'a b' }),
    });
    expect(seen.at(-1)).toMatchObject({
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
      body: 'grant_type=refresh_token&x=a+b',
    });
  });

  it('answers statuses as they come: no body, Retry-After, and a redirect not followed', async () => {
    const empty = await platformFetch(`${base}/empty`, { method: 'POST', body: '{}' });
    expect([empty.status, await empty.text()]).toEqual([204, '']);
    const busy = await platformFetch(`${base}/busy`, { method: 'POST', body: '{}' });
    expect([busy.status, busy.headers.get('retry-after'), await busy.text()]).toEqual([
      429,
      '7',
      'slow down',
    ]);
    const moved = await platformFetch(`${base}/moved`);
    expect([moved.status, moved.headers.get('location')]).toEqual([302, '/elsewhere']);
  });

  it('gives up when its signal aborts', async () => {
    await expect(
      platformFetch(`${base}/hang`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow();
  });
});
