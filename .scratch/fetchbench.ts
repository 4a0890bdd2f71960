import { createServer } from 'node:http';
import { once } from 'node:events';
import { request, Agent, fetch as ufetch } from 'undici';
const server = createServer((req, res) => { const chunks: Buffer[] = []; req.on('data', (c) => chunks.push(c)); req.on('end', () => { JSON.parse(Buffer.concat(chunks).toString()); res.writeHead(204).end(); }); });
server.listen(0, '127.0.0.1'); await once(server, 'listening');
const url = `http://127.0.0.1:${(server.address() as any).port}/mp/collect?x=1`;
const body = JSON.stringify({ client_id: '1.2', events: Array.from({ length: 25 }, (_, i) => ({ name: 'page_view', params: { page_location: 'https://s.example/p/' + i, page_title: 'Page', session_id: 1234567, engagement_time_msec: 1 } })) });
async function run(label: string, send: () => Promise<unknown>) {
  const N = 2000, C = 40; let done = 0; const me0 = process.cpuUsage(); const t0 = performance.now();
  await Promise.all(Array.from({ length: C }, async () => { while (done < N) { done++; await send(); } }));
  const s = (performance.now() - t0) / 1000; const cpu = process.cpuUsage(me0);
  console.log(label, (N / s).toFixed(0), 'req/s', ((cpu.user + cpu.system) / N).toFixed(0), 'µs cpu/req');
}
await run('global fetch', async () => { const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.any([AbortSignal.timeout(10000)]) }); await r.text(); });
const agent = new Agent({ keepAliveTimeout: 10_000 });
await run('undici fetch', async () => { const r = await ufetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, dispatcher: agent }); await r.text(); });
await run('undici request', async () => { const r = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, dispatcher: agent, signal: AbortSignal.timeout(10000) }); await r.body.text(); });
server.close();
