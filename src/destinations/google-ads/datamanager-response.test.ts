import { describe, expect, it } from 'vitest';
import { ingestRequest } from './datamanager-request.ts';
import { interpretIngestAnswer, msUntilPacificMidnight } from './datamanager-response.ts';
import type { Conversion } from './prepare-conversion.ts';

const NOW = new Date('2026-11-02T18:30:00.000Z'); // 10:30 in Los Angeles (PST, UTC−8)

const conversion = (id: number, conversionActionId = '555000111'): Conversion => ({
  id,
  conversionActionId,
  transactionId: `order-${id}`,
  occurredAt: NOW,
  clickId: { gclid: `G${id}` },
  hashedEmail: undefined,
  hashedPhone: undefined,
  value: undefined,
  currency: undefined,
  userAgent: undefined,
  ipAddress: undefined,
});

// Events 0 and 2 go to action 555000111 (destinations[0]), event 1 to 777 (destinations[1]).
const request = ingestRequest(
  [conversion(10), conversion(11, '777'), conversion(12)],
  { customerId: '1234567890', loginCustomerId: undefined },
  false,
);

const badRequest = (fieldViolations: Array<Record<string, string>>) => ({
  error: {
    code: 400,
    message: 'There was a problem with the request.',
    status: 'INVALID_ARGUMENT',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'INVALID_ARGUMENT',
        domain: 'datamanager.googleapis.com',
      },
      { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations },
    ],
  },
});

const errorBody = (code: number, status: string, message: string, details: object[] = []) => ({
  error: { code, status, message, details },
});

const interpret = (status: number, body: unknown, retryAfter: string | null = null) =>
  interpretIngestAnswer({ status, body, retryAfter }, request, '1234567890', NOW);

describe('interpretIngestAnswer', () => {
  it('delivers every event on 200, passing field warnings on', () => {
    expect(interpret(200, { requestId: 'r1' })).toEqual({
      kind: 'all',
      result: { kind: 'delivered' },
      warnings: [],
    });
    const warned = interpret(200, {
      requestId: 'r1',
      fieldWarnings: [
        {
          reason: 'WARNING_REASON_CUSTOM_VARIABLE_NOT_ENABLED',
          field: 'events.events[0].custom_variables[0]',
          description: 'ignored',
        },
      ],
    });
    expect(warned).toMatchObject({
      warnings: ['WARNING_REASON_CUSTOM_VARIABLE_NOT_ENABLED events.events[0].custom_variables[0] ignored'],
    });
  });

  it('maps event violations back to their events as dead letters with Google’s words; the others may go again', () => {
    const verdict = interpret(
      400,
      badRequest([
        {
          field: 'events.events[2].user_data.user_identifiers[0]',
          reason: 'INVALID_HEX_ENCODING',
          description: 'The HEX encoded value is malformed.',
        },
        { field: 'events.events[2].currency', reason: 'INVALID_CURRENCY_CODE', description: 'Bad currency.' },
      ]),
    );
    expect(verdict).toEqual({
      kind: 'refused',
      atFault: new Map([
        [
          2,
          {
            kind: 'permanent',
            status: 400,
            error:
              'Google Data Manager refused it: INVALID_HEX_ENCODING at events.events[2].user_data.user_identifiers[0]: The HEX encoded value is malformed.; INVALID_CURRENCY_CODE at events.events[2].currency: Bad currency.',
          },
        ],
      ]),
    });
  });

  it.each([
    ['events.events[1].event_source', [1]],
    ['events[0].userData.userIdentifiers[0]', [0]],
    ['destinations[0].product_destination_id', [0, 2]],
    ['destinations[1].operating_account.account_id', [1]],
  ])('reads %s as the events %j', (field, indexes) => {
    const verdict = interpret(400, badRequest([{ field, reason: 'X', description: 'd' }]));
    expect(verdict.kind === 'refused' && [...verdict.atFault.keys()]).toEqual(indexes);
  });

  it.each([
    [
      'a field outside the events',
      [{ field: 'encoding', reason: 'REQUIRED_FIELD_MISSING', description: 'required' }],
      'REQUIRED_FIELD_MISSING at encoding: required',
    ],
    [
      'an index beyond the request',
      [{ field: 'events.events[9]', reason: 'X', description: 'd' }],
      'X at events.events[9]: d',
    ],
    [
      'no field at all',
      [{ field: '', reason: 'INVALID_ARGUMENT', description: 'Invalid JSON payload received.' }],
      'INVALID_ARGUMENT: Invalid JSON payload received.',
    ],
  ])('refuses every event for %s', (_, violations, said) => {
    const verdict = interpret(400, badRequest(violations));
    expect(verdict).toEqual({
      kind: 'all',
      result: { kind: 'permanent', status: 400, error: expect.stringContaining(said) },
    });
  });

  it('refuses every event for a 400 without violations, quoting Google', () => {
    expect(
      interpret(
        400,
        errorBody(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unknown name "orderId"'),
      ),
    ).toEqual({
      kind: 'all',
      result: { kind: 'permanent', status: 400, error: expect.stringContaining('Unknown name "orderId"') },
    });
  });

  it('asks for a new token on 401, then a permanent failure naming the credential', () => {
    expect(
      interpret(401, errorBody(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.')),
    ).toEqual({
      kind: 'unauthenticated',
      result: {
        kind: 'permanent',
        status: 401,
        error: expect.stringMatching(/invalid authentication credentials.*oauth credential must be renewed/),
      },
    });
  });

  it.each([
    ['SERVICE_DISABLED', 'enable the Data Manager API'],
    ['ACCESS_TOKEN_SCOPE_INSUFFICIENT', 'auth/datamanager'],
    ['PERMISSION_DENIED', 'access to Google Ads account 1234567890'],
  ])('says what to do about a 403 %s', (reason, remedy) => {
    const body = errorBody(403, 'PERMISSION_DENIED', 'The caller does not have permission', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' },
    ]);
    expect(interpret(403, body)).toEqual({
      kind: 'all',
      result: { kind: 'permanent', status: 403, error: expect.stringContaining(remedy) },
    });
  });

  it.each([
    [500, 'INTERNAL'],
    [503, 'UNAVAILABLE'],
    [504, 'DEADLINE_EXCEEDED'],
    [409, 'ABORTED'],
    [408, 'DEADLINE_EXCEEDED'],
  ])('retries a %s %s', (status, name) => {
    expect(interpret(status, errorBody(status, name, 'try later'))).toEqual({
      kind: 'all',
      result: { kind: 'retry', status, error: expect.stringContaining(name) },
    });
  });

  it('honours Retry-After on a retry', () => {
    expect(interpret(503, errorBody(503, 'UNAVAILABLE', 'x'), '20')).toMatchObject({
      result: { kind: 'retry', retryAfterMs: 20_000 },
    });
  });

  it.each([
    ['IngestionMutateRequestsPerMinutePerProject', null, 60_000],
    ['IngestionMutateRequestsPerMinutePerProject', '120', 120_000],
    ['IngestionMutateRequestsPerDayPerProject', null, 13.5 * 3600_000],
    [undefined, '5', 5000],
  ])('waits on a 429 for quota %s (Retry-After %s): %i ms', (quotaLimit, retryAfter, wait) => {
    const body = errorBody(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'RATE_LIMIT_EXCEEDED',
        metadata: quotaLimit ? { quota_limit: quotaLimit } : {},
      },
    ]);
    expect(interpret(429, body, retryAfter)).toEqual({
      kind: 'all',
      result: { kind: 'retry', status: 429, error: expect.any(String), retryAfterMs: wait },
    });
  });

  it.each([[404], [413], [422]])('does not retry a %s', (status) => {
    expect(interpret(status, 'Not Found')).toMatchObject({ result: { kind: 'permanent', status } });
  });

  describe('robustness to invalid data', () => {
    it.each([
      ['an HTML page', 502, '<html>Bad Gateway</html>', 'retry'],
      ['null', 400, null, 'permanent'],
      ['a number', 500, 42, 'retry'],
      ['details that are not objects', 400, { error: { details: ['x', null, 3] } }, 'permanent'],
      [
        'violations that are not objects',
        400,
        badRequest(['x' as unknown as Record<string, string>]),
        'permanent',
      ],
      ['a huge message', 400, errorBody(400, 'INVALID_ARGUMENT', 'x'.repeat(100_000)), 'permanent'],
      ['a redirect', 302, '', 'retry'],
    ])('handles %s', (_, status, body, kind) => {
      const verdict = interpret(status, body);
      expect(verdict).toMatchObject({ kind: 'all', result: { kind } });
      if (verdict.kind === 'all' && 'error' in verdict.result)
        expect(verdict.result.error.length).toBeLessThanOrEqual(1000);
    });
  });
});

describe('msUntilPacificMidnight', () => {
  it.each([
    ['2026-11-02T18:30:00.000Z', 13.5 * 3600_000], // 10:30 PST
    ['2026-07-01T06:59:59.000Z', 1000], // 23:59:59 PDT
    ['2026-07-01T07:00:00.000Z', 24 * 3600_000], // 00:00 PDT
    ['2026-01-15T08:00:00.500Z', 24 * 3600_000 - 500], // 00:00:00.5 PST
  ])('%s → %i', (at, expected) => {
    expect(msUntilPacificMidnight(new Date(at))).toBe(expected);
  });
});
