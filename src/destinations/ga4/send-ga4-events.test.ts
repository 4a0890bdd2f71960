import { describe, expect, it } from 'vitest';
import type { SendResult } from '../destination-type.ts';
import type { Ga4Answer } from './post-to-ga4.ts';
import { ga4SendResult } from './send-ga4-events.ts';

const NOW = new Date('2026-12-01T12:00:00.000Z');

const answered = (status: number, retryAfter: string | null = null, text = ''): Ga4Answer => ({
  kind: 'answered',
  status,
  text,
  retryAfter,
});

describe('ga4SendResult', () => {
  it.each<[string, Ga4Answer, SendResult]>([
    ['204 as delivered', answered(204), { kind: 'delivered', status: 204 }],
    ['200 as delivered', answered(200), { kind: 'delivered', status: 200 }],
    ['408 as passing', answered(408), { kind: 'retry', status: 408, error: 'GA4 answered HTTP 408' }],
    ['425 as passing', answered(425), { kind: 'retry', status: 425, error: 'GA4 answered HTTP 425' }],
    [
      '429 with Retry-After in seconds',
      answered(429, '30'),
      { kind: 'retry', status: 429, retryAfterMs: 30_000, error: 'GA4 answered HTTP 429' },
    ],
    [
      '503 with Retry-After as a date',
      answered(503, 'Tue, 01 Dec 2026 12:02:00 GMT', 'busy'),
      { kind: 'retry', status: 503, retryAfterMs: 120_000, error: 'GA4 answered HTTP 503: busy' },
    ],
    [
      '500 without Retry-After',
      answered(500),
      { kind: 'retry', status: 500, error: 'GA4 answered HTTP 500' },
    ],
    [
      '400 as final, with its text',
      answered(400, null, 'bad'),
      { kind: 'permanent', status: 400, error: 'GA4 answered HTTP 400: bad' },
    ],
    ['403 as final', answered(403), { kind: 'permanent', status: 403, error: 'GA4 answered HTTP 403' }],
    ['404 as final', answered(404), { kind: 'permanent', status: 404, error: 'GA4 answered HTTP 404' }],
    [
      'a redirect as final',
      answered(302),
      { kind: 'permanent', status: 302, error: 'GA4 answered HTTP 302' },
    ],
    [
      'a failed request as passing',
      { kind: 'failed', error: 'GA4 did not answer within 10000 ms' },
      { kind: 'retry', error: 'GA4 did not answer within 10000 ms' },
    ],
  ])('takes %s', (_label, answer, expected) => {
    expect(ga4SendResult(answer, NOW)).toEqual(expected);
  });

  it('keeps at most 200 characters of an answer', () => {
    const result = ga4SendResult(answered(400, null, 'x'.repeat(5000)), NOW);
    expect(result.kind === 'permanent' && result.error.length).toBe('GA4 answered HTTP 400: '.length + 200);
  });

  it('ignores an unreadable Retry-After', () => {
    expect(ga4SendResult(answered(429, 'soon'), NOW)).toEqual({
      kind: 'retry',
      status: 429,
      error: 'GA4 answered HTTP 429',
    });
  });
});
