import type { GoogleAnswer } from './google-error.ts';
import type { AccessTokens, TokenRequest } from './oauth.ts';
import type { Verdict } from './send-rounds.ts';

const MAX_TEXT_BODY = 500;

export interface GoogleCall {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * POSTs JSON with a bearer token and answers what came back, or why nothing did. The request is
 * bounded by `timeoutMs` as well as by the caller's signal, so a Google that hangs costs one bound.
 */
async function postJson(
  call: GoogleCall,
  accessToken: string,
  { fetch, signal, timeoutMs }: { fetch: typeof globalThis.fetch; signal: AbortSignal; timeoutMs: number },
): Promise<{ ok: true; answer: GoogleAnswer } | { ok: false; error: string }> {
  try {
    const response = await fetch(call.url, {
      method: 'POST',
      headers: {
        ...call.headers,
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(call.body),
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text.slice(0, MAX_TEXT_BODY);
    }
    return {
      ok: true,
      answer: { status: response.status, body, retryAfter: response.headers.get('retry-after') },
    };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    return {
      ok: false,
      error: timedOut ? `no answer within ${timeoutMs} ms` : (error as Error).message || 'request failed',
    };
  }
}

/**
 * One call to a Google API under an access token, interpreted. A 401 is given one fresh token (a
 * cached token may have been revoked early) before its verdict stands. Never throws.
 */
export async function callGoogle(
  call: GoogleCall,
  interpret: (answer: GoogleAnswer) => Verdict,
  {
    tokens,
    tokenRequest,
    timeoutMs,
  }: { tokens: AccessTokens; tokenRequest: TokenRequest; timeoutMs: number },
): Promise<Verdict> {
  for (let attempt = 1; ; attempt++) {
    const token = await tokens.get(tokenRequest);
    if (!token.ok) return { kind: 'all', result: token.failure };
    const posted = await postJson(call, token.accessToken, { ...tokenRequest, timeoutMs });
    if (!posted.ok) return { kind: 'all', result: { kind: 'retry', error: `${call.url}: ${posted.error}` } };
    const verdict = interpret(posted.answer);
    if (verdict.kind !== 'unauthenticated' || attempt === 2) return verdict;
    tokens.forget(tokenRequest, token.accessToken);
  }
}
