/**
 * Domain errors: what went wrong, in words a client may see, with no HTTP in them. Operations,
 * jobs and the CLI throw them; `http/errors.ts` maps each code to a status and renders it.
 */

/** The closed set of error codes a client can see. Stable: clients and dashboards match on them. */
export const ERROR_CODES = [
  'bad_request',
  'invalid_json',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal_error',
  'service_unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  readonly field: string | undefined;
  /** When a retry may succeed (rate limits, an unavailable store): how long to wait. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { field?: string; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
