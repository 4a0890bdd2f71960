import { describe, expect, it } from 'vitest';
import {
  blamedEventIndex,
  classifyGraphResponse,
  describeGraphError,
  type GraphError,
} from './graph-response.ts';

const graph = (error: GraphError) => ({ error: { type: 'OAuthException', fbtrace_id: 'AbC', ...error } });

describe('classifyGraphResponse', () => {
  it('reads an accepted request', () => {
    expect(classifyGraphResponse(200, { events_received: 3, messages: ['ok', 7], fbtrace_id: 'x' })).toEqual({
      kind: 'accepted',
      eventsReceived: 3,
      messages: ['ok'],
    });
  });

  it.each<[string, number, unknown, string]>([
    [
      'a server error',
      500,
      graph({ message: 'An unexpected error has occurred.', code: 2, is_transient: true }),
      'retry',
    ],
    ['a bad gateway without a body', 502, undefined, 'retry'],
    ['a request timeout', 408, undefined, 'retry'],
    ['429', 429, undefined, 'retry'],
    [
      'application throttling (4)',
      400,
      graph({ message: 'Application request limit reached', code: 4 }),
      'retry',
    ],
    ['user throttling (17)', 400, graph({ message: 'User request limit reached', code: 17 }), 'retry'],
    ['page throttling (32)', 403, graph({ message: 'Page request limit reached', code: 32 }), 'retry'],
    ['app quota (341)', 400, graph({ message: 'Application limit reached', code: 341 }), 'retry'],
    [
      'custom rate limit (613)',
      400,
      graph({ message: 'Calls have exceeded the rate limit', code: 613 }),
      'retry',
    ],
    ['an unknown error (1)', 400, graph({ message: 'An unknown error occurred', code: 1 }), 'retry'],
    ['a service error (2)', 503, graph({ message: 'Service temporarily unavailable', code: 2 }), 'retry'],
    ['anything transient', 400, graph({ message: 'Try later', code: 9000, is_transient: true }), 'retry'],
    [
      'an expired token (190)',
      400,
      graph({ message: 'Session has expired', code: 190, error_subcode: 463 }),
      'refused',
    ],
    ['a missing permission (200)', 403, graph({ message: 'Permissions error', code: 200 }), 'refused'],
    [
      'a missing permission (10)',
      400,
      graph({ message: 'Application does not have permission', code: 10 }),
      'refused',
    ],
    [
      'an unknown pixel (100/33)',
      400,
      graph({ message: 'Unsupported post request.', code: 100, error_subcode: 33 }),
      'refused',
    ],
    [
      'a retired version (2635)',
      400,
      graph({ message: '(#2635) You are calling a deprecated version', code: 2635 }),
      'refused',
    ],
    ['a 4xx that is not Graph', 403, '<html>Forbidden</html>', 'refused'],
    ['an invalid parameter (100)', 400, graph({ message: 'Invalid parameter', code: 100 }), 'invalid_event'],
  ])('%s: %s', (_, status, body, kind) => {
    expect(classifyGraphResponse(status, body).kind).toBe(kind);
  });

  it('says to renew an expired token', () => {
    const outcome = classifyGraphResponse(
      400,
      graph({ message: 'Error validating access token', code: 190 }),
    );
    expect(outcome.kind === 'refused' && outcome.error).toMatch(/renew it.*accessToken/);
  });

  it('says to change a retired version', () => {
    const outcome = classifyGraphResponse(400, graph({ message: '(#2635) deprecated', code: 2635 }));
    expect(outcome.kind === 'refused' && outcome.error).toMatch(/apiVersion/);
  });

  it('names the event Meta blamed', () => {
    const outcome = classifyGraphResponse(
      400,
      graph({
        message: 'Invalid parameter',
        code: 100,
        error_user_title: 'Event Timestamp Too Old',
        error_user_msg: "The timestamp for this event is too far in the past. Event: $['data'][41].",
      }),
    );
    expect(outcome).toEqual({
      kind: 'invalid_event',
      status: 400,
      index: 41,
      error:
        "Meta: Event Timestamp Too Old: The timestamp for this event is too far in the past. Event: $['data'][41]. (code 100, fbtrace_id AbC)",
    });
  });
});

describe('blamedEventIndex', () => {
  it.each<[GraphError | undefined, number | undefined]>([
    [{ error_user_msg: 'Unexpected key "x" on param "$[\'data\'][0]".' }, 0],
    [{ message: 'Invalid parameter data[12].event_time' }, 12],
    [{ error_user_msg: 'No index here', message: "on param $['data'][7]" }, 7],
    [{ error_user_msg: 'Invalid parameter' }, undefined],
    [{}, undefined],
    [undefined, undefined],
  ])('%j → %j', (error, expected) => {
    expect(blamedEventIndex(error)).toBe(expected);
  });
});

describe('describeGraphError', () => {
  it('puts Meta words first, with the codes support asks for', () => {
    expect(
      describeGraphError(
        { message: 'Invalid parameter', code: 100, error_subcode: 2804003, fbtrace_id: 'T' },
        400,
      ),
    ).toBe('Invalid parameter (code 100, subcode 2804003, fbtrace_id T)');
  });

  describe('robustness to invalid data', () => {
    it.each<[unknown, number]>([
      [undefined, 400],
      [null, 500],
      ['text', 400],
      [{ error: 'nope' }, 400],
      [{ error: { message: 42, code: '190' } }, 400],
      [[], 418],
    ])('%j answers a kind without throwing', (body, status) => {
      const outcome = classifyGraphResponse(status, body);
      expect(['retry', 'refused', 'invalid_event']).toContain(outcome.kind);
      expect(outcome.kind !== 'accepted' && outcome.error).toMatch(/HTTP|Meta/);
    });

    it('reads a 2xx without a body as accepted', () => {
      expect(classifyGraphResponse(200, undefined)).toEqual({
        kind: 'accepted',
        eventsReceived: undefined,
        messages: [],
      });
    });

    it('bounds a huge message index to four digits', () => {
      expect(blamedEventIndex({ message: "$['data'][123456789]" })).toBeUndefined();
    });
  });
});
