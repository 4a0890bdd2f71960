import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../../errors.ts';

/**
 * The dashboard's session in cookies instead of JavaScript: the refresh token in an HttpOnly cookie
 * that only the auth routes receive, so no script (an injected one included) can read it, and a CSRF
 * token in a cookie the dashboard's own script reads and echoes in a header (double submit). Another
 * site can make a browser send the first cookie (SameSite=Strict already stops that in current
 * browsers) but can neither read the second nor set the header, so a refresh or logout it forges fails.
 * API clients keep sending the refresh token in the body and never meet these cookies.
 */

export const REFRESH_COOKIE = 'beacon_refresh';
export const CSRF_COOKIE = 'beacon_csrf';
export const CSRF_HEADER = 'x-beacon-csrf';
const AUTH_PATH = '/api/auth';

/** A cookie's value from a Cookie header; the first when it is there twice; undefined when absent. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals === -1 || pair.slice(0, equals).trim() !== name) continue;
    const value = pair.slice(equals + 1).trim();
    return value === '' ? undefined : value;
  }
  return undefined;
}

/** Set-Cookie values for a new session: its refresh token, and a fresh CSRF token. */
export function sessionCookies(refreshToken: string, maxAgeMs: number): string[] {
  const maxAge = Math.floor(maxAgeMs / 1000);
  const csrfToken = randomBytes(24).toString('base64url');
  return [
    `${REFRESH_COOKIE}=${refreshToken}; Path=${AUTH_PATH}; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Strict`,
    `${CSRF_COOKIE}=${csrfToken}; Path=/; Max-Age=${maxAge}; Secure; SameSite=Strict`,
  ];
}

/** Set-Cookie values that remove both cookies (after a logout). */
export function clearedSessionCookies(): string[] {
  return [
    `${REFRESH_COOKIE}=; Path=${AUTH_PATH}; Max-Age=0; HttpOnly; Secure; SameSite=Strict`,
    `${CSRF_COOKIE}=; Path=/; Max-Age=0; Secure; SameSite=Strict`,
  ];
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The refresh token of the session cookie, once the request proved it comes from the dashboard's
 * page: its CSRF header must equal the CSRF cookie. 401 without a session cookie, 403 on a mismatch.
 */
export function refreshTokenFromCookies(headers: IncomingHttpHeaders): string {
  const refreshToken = readCookie(headers.cookie, REFRESH_COOKIE);
  if (refreshToken === undefined) {
    throw new AppError(
      'unauthorized',
      'No refresh token: send refreshToken in the body, or the session cookie',
      {
        field: 'refreshToken',
      },
    );
  }
  const expected = readCookie(headers.cookie, CSRF_COOKIE);
  const given = headers[CSRF_HEADER];
  if (expected === undefined || typeof given !== 'string' || !sameText(given, expected)) {
    throw new AppError(
      'forbidden',
      `The session cookie needs the ${CSRF_HEADER} header that matches its CSRF cookie`,
      {
        field: CSRF_HEADER,
      },
    );
  }
  return refreshToken;
}
