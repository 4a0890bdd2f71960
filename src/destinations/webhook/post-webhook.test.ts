import { describe, expect, it } from 'vitest';
import { classifyWebhookResponse, postWebhook } from './post-webhook.ts';

describe('webhook outcomes', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [301, 'failed'],
    [400, 'failed'],
    [403, 'failed'],
    [404, 'failed'],
    [410, 'failed'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
  ] as const)('HTTP %i → %s', (status, kind) => {
    expect(classifyWebhookResponse(status)).toBe(kind);
  });

  it('reports an unreachable endpoint as worth retrying', async () => {
    const outcome = await postWebhook('http://127.0.0.1:9/none', { text: 'x' }, fetch, 1000);
    expect(outcome).toMatchObject({ kind: 'retry', status: null });
  });
});
