import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.ts';
import { readCookie, refreshTokenFromCookies, sessionCookies } from './session-cookies.ts';

describe('readCookie', () => {
  it.each<[string | undefined, string | undefined]>([
    ['beacon_refresh=rt_abc', 'rt_abc'],
    ['a=1; beacon_refresh=rt_abc; b=2', 'rt_abc'],
    ['a=1;beacon_refresh=rt_abc', 'rt_abc'],
    ['beacon_refresh=rt_first; beacon_refresh=rt_second', 'rt_first'],
    ['xbeacon_refresh=rt_abc', undefined],
    ['beacon_refresh=', undefined],
    ['beacon_refresh', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %j', (header, expected) => {
    expect(readCookie(header, 'beacon_refresh')).toBe(expected);
  });

  it('reads a huge header without trouble', () => {
    const header = `${'x=y; '.repeat(10_000)}beacon_refresh=rt_late`;
    expect(readCookie(header, 'beacon_refresh')).toBe('rt_late');
  });
});

describe('refreshTokenFromCookies', () => {
  const [refresh, csrf] = sessionCookies('rt_token', 60_000).map((cookie) => cookie.split(';')[0]!);
  const csrfValue = csrf!.split('=')[1]!;

  it('sets the refresh token HttpOnly, Secure, SameSite=Strict, for the auth routes only', () => {
    const [refreshCookie, csrfCookie] = sessionCookies('rt_token', 60_000);
    expect(refreshCookie).toBe(
      'beacon_refresh=rt_token; Path=/api/auth; Max-Age=60; HttpOnly; Secure; SameSite=Strict',
    );
    expect(csrfCookie).toMatch(/^beacon_csrf=[\w-]{32}; Path=\/; Max-Age=60; Secure; SameSite=Strict$/);
  });

  it('gives the refresh token when the CSRF header matches the CSRF cookie', () => {
    expect(refreshTokenFromCookies({ cookie: `${refresh}; ${csrf}`, 'x-beacon-csrf': csrfValue })).toBe(
      'rt_token',
    );
  });

  it.each<[string, Record<string, string>, string]>([
    ['no cookie at all', {}, 'unauthorized'],
    ['no header', { cookie: `${refresh}; ${csrf}` }, 'forbidden'],
    ['a wrong header', { cookie: `${refresh}; ${csrf}`, 'x-beacon-csrf': 'forged' }, 'forbidden'],
    [
      'a header of the same length but other text',
      { cookie: `${refresh}; ${csrf}`, 'x-beacon-csrf': 'x'.repeat(32) },
      'forbidden',
    ],
    ['no CSRF cookie', { cookie: `${refresh}`, 'x-beacon-csrf': csrfValue }, 'forbidden'],
  ])('refuses %s', (_label, headers, code) => {
    expect(() => refreshTokenFromCookies(headers)).toThrow(expect.objectContaining({ code }) as AppError);
  });
});
