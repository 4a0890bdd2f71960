import { describe, expect, it } from 'vitest';
import { interpretUploadAnswer, TOO_RECENT_WAIT_MS } from './legacy-response.ts';

const NOW = new Date('2026-11-02T18:30:00.000Z');
const FAILURE = 'type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure';

const adsError = (code: Record<string, string>, message: string, index?: number) => ({
  errorCode: code,
  message,
  ...(index === undefined
    ? {}
    : { location: { fieldPathElements: [{ fieldName: 'conversions', index }, { fieldName: 'gclid' }] } }),
});

const partial = (errors: object[], results: object[]) => ({
  partialFailureError: { code: 3, message: 'Partial failure.', details: [{ '@type': FAILURE, errors }] },
  results,
});

const httpError = (
  code: number,
  status: string,
  errors: object[],
  message = 'Request contains an invalid argument.',
) => ({
  error: { code, status, message, details: [{ '@type': FAILURE, errors, requestId: 'r1' }] },
});

const interpret = (status: number, body: unknown, count: number, retryAfter: string | null = null) =>
  interpretUploadAnswer({ status, body, retryAfter }, count, NOW);

const ok = {
  gclid: 'G',
  conversionAction: 'customers/1/conversionActions/2',
  conversionDateTime: '2026-11-02 10:00:00+00:00',
};

describe('interpretUploadAnswer', () => {
  it('delivers every conversion of a 200 without partial failures', () => {
    expect(interpret(200, { results: [ok, ok] }, 2)).toEqual({
      kind: 'each',
      results: [{ kind: 'delivered' }, { kind: 'delivered' }],
    });
  });

  it('maps partial failures to their conversions by fieldPathElements index', () => {
    const body = partial(
      [
        adsError({ conversionUploadError: 'UNPARSEABLE_GCLID' }, 'The gclid could not be decoded.', 1),
        adsError({ conversionUploadError: 'TOO_RECENT_EVENT' }, 'The click is too recent.', 2),
        adsError({ conversionUploadError: 'CLICK_CONVERSION_ALREADY_EXISTS' }, 'Already there.', 3),
        adsError({ conversionUploadError: 'TOO_RECENT_CONVERSION_ACTION' }, 'The action is too recent.', 4),
      ],
      [ok, {}, {}, {}, {}],
    );
    expect(interpret(200, body, 5)).toEqual({
      kind: 'each',
      results: [
        { kind: 'delivered' },
        {
          kind: 'permanent',
          error: 'Google Ads refused it: UNPARSEABLE_GCLID: The gclid could not be decoded.',
        },
        {
          kind: 'retry',
          error: expect.stringContaining('TOO_RECENT_EVENT'),
          retryAfterMs: TOO_RECENT_WAIT_MS,
        },
        { kind: 'delivered' },
        {
          kind: 'retry',
          error: expect.stringContaining('TOO_RECENT_CONVERSION_ACTION'),
          retryAfterMs: 6 * 3600_000,
        },
      ],
    });
  });

  it('fails a conversion whose result is empty, sharing the errors that name no conversion', () => {
    const body = partial(
      [
        adsError(
          { conversionUploadError: 'CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS' },
          'Terms not accepted.',
        ),
      ],
      [ok, {}],
    );
    expect(interpret(200, body, 2)).toEqual({
      kind: 'each',
      results: [
        { kind: 'delivered' },
        { kind: 'permanent', error: expect.stringContaining('CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS') },
      ],
    });
  });

  it('fails an empty result even when Google gave no reason for it', () => {
    const body = { partialFailureError: { code: 3, message: 'Something failed.' }, results: [{}] };
    expect(interpret(200, body, 1)).toEqual({
      kind: 'each',
      results: [{ kind: 'permanent', error: 'Google Ads refused it: Something failed.' }],
    });
  });

  it('asks for a new token on 401', () => {
    const body = httpError(401, 'UNAUTHENTICATED', [
      adsError({ authenticationError: 'OAUTH_TOKEN_INVALID' }, 'Invalid token.'),
    ]);
    expect(interpret(401, body, 2)).toEqual({
      kind: 'unauthenticated',
      result: { kind: 'permanent', status: 401, error: expect.stringContaining('OAUTH_TOKEN_INVALID') },
    });
  });

  it.each([
    ['notAllowlistedError', 'CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE', 'api to "datamanager"'],
    ['authorizationError', 'DEVELOPER_TOKEN_NOT_APPROVED', 'Basic access'],
    ['authorizationError', 'USER_PERMISSION_DENIED', 'loginCustomerId'],
  ])('says what to do about a 403 %s %s', (category, code, remedy) => {
    const body = httpError(
      403,
      'PERMISSION_DENIED',
      [adsError({ [category]: code }, 'Refused.')],
      'The caller does not have permission',
    );
    expect(interpret(403, body, 1)).toEqual({
      kind: 'all',
      result: { kind: 'permanent', status: 403, error: expect.stringContaining(remedy) },
    });
  });

  it('refuses only the conversions a request-level 400 names, so the rest can go again', () => {
    const body = httpError(400, 'INVALID_ARGUMENT', [
      adsError({ fieldError: 'INVALID_VALUE' }, 'Bad value.', 1),
    ]);
    expect(interpret(400, body, 3)).toEqual({
      kind: 'refused',
      atFault: new Map([
        [1, { kind: 'permanent', status: 400, error: 'Google Ads refused it: INVALID_VALUE: Bad value.' }],
      ]),
    });
  });

  it.each([
    [
      'a request-level error',
      [adsError({ partialFailureError: 'PARTIAL_FAILURE_MODE_REQUIRED' }, 'Must be true.')],
    ],
    [
      'a developer token missing',
      [adsError({ requestError: 'DEVELOPER_TOKEN_PARAMETER_MISSING' }, 'Required.')],
    ],
    ['an index beyond the request', [adsError({ fieldError: 'INVALID_VALUE' }, 'Bad.', 9)]],
  ])('refuses every conversion for %s', (_, errors) => {
    expect(interpret(400, httpError(400, 'INVALID_ARGUMENT', errors), 2)).toMatchObject({
      kind: 'all',
      result: { kind: 'permanent', status: 400 },
    });
  });

  it.each([
    [null, '45s', 45_000],
    ['90', '45s', 90_000],
    ['10', undefined, 10_000],
  ])('waits on a 429 for Retry-After %s and retryDelay %s: %i ms', (retryAfter, retryDelay, wait) => {
    const error = {
      ...adsError({ quotaError: 'RESOURCE_EXHAUSTED' }, 'Too many requests.'),
      ...(retryDelay ? { details: { quotaErrorDetails: { retryDelay } } } : {}),
    };
    expect(interpret(429, httpError(429, 'RESOURCE_EXHAUSTED', [error]), 1, retryAfter)).toEqual({
      kind: 'all',
      result: { kind: 'retry', status: 429, error: expect.any(String), retryAfterMs: wait },
    });
  });

  it.each([[500], [503], [504]])('retries a %s', (status) => {
    expect(interpret(status, { error: { code: status, message: 'x' } }, 1)).toMatchObject({
      kind: 'all',
      result: { kind: 'retry', status },
    });
  });

  describe('robustness to invalid data', () => {
    it.each([
      ['no body', 200, undefined],
      ['results that are not a list', 200, { results: 'x' }],
      ['a partialFailureError that is a string', 200, { partialFailureError: 'x', results: [{}] }],
      ['errors without codes', 200, partial([{}], [{}])],
      [
        'a location index that is a string',
        200,
        partial(
          [
            {
              errorCode: { x: 'Y' },
              location: { fieldPathElements: [{ fieldName: 'conversions', index: '0' }] },
            },
          ],
          [{}],
        ),
      ],
    ])('answers an outcome for each conversion with %s', (_, status, body) => {
      const verdict = interpret(status, body, 1);
      expect(verdict.kind).toBe('each');
      expect(verdict.kind === 'each' && verdict.results).toHaveLength(1);
    });
  });
});
