import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/pool.ts';
import { AppError, type ErrorCode } from '../errors.ts';

/** The HTTP status of each error code. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
};

export function statusOf(error: AppError): number {
  return ERROR_STATUS[error.code];
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string; requestId: string };
}

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/user/email` + missing `phone` → `user.email.phone`; the request part (body, query) is left out. */
function fieldOf(error: AjvError): string | undefined {
  const segments = error.instancePath.split('/').filter(Boolean);
  const extra = error.params.missingProperty ?? error.params.additionalProperty;
  if (typeof extra === 'string') segments.push(extra);
  return segments.length > 0 ? segments.join('.') : undefined;
}

function describeValidation(error: AjvError, field: string | undefined, context: string): string {
  const subject = field ?? context;
  switch (error.keyword) {
    case 'required':
      return `${subject} is required`;
    case 'additionalProperties':
      return `${subject} is not an accepted field`;
    default:
      return `${subject} ${error.message ?? 'is invalid'}`;
  }
}

/** Maps anything thrown while handling a request to one of our codes; 5xx say nothing internal. */
export function toAppError(error: FastifyError | Error): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation && fastifyError.validation.length > 0) {
    const first = fastifyError.validation[0] as unknown as AjvError;
    const field = fieldOf(first);
    return new AppError(
      'validation_failed',
      describeValidation(first, field, fastifyError.validationContext ?? 'request'),
      field === undefined ? {} : { field },
    );
  }
  const status = fastifyError.statusCode ?? 500;
  switch (true) {
    case status === 413:
      return new AppError('payload_too_large', 'The request body is larger than this endpoint accepts');
    case status === 415:
      return new AppError('unsupported_media_type', 'Unsupported Content-Type');
    case status === 429:
      return new AppError('rate_limited', 'Too many requests');
    case status === 404:
      return new AppError('not_found', 'Not found');
    case fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('bad_request', 'The request body must not be empty');
    case error instanceof SyntaxError || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('invalid_json', 'The request body is not valid JSON');
    case status >= 400 && status < 500:
      return new AppError('bad_request', 'Bad request');
    // PostgreSQL unreachable, stalled or refusing work: a retry later can succeed, so say when.
    case isDatabaseUnavailable(error):
      return new AppError('service_unavailable', 'The database is unavailable right now; retry shortly', {
        retryAfterSeconds: 5,
        cause: error,
      });
    default:
      return new AppError('internal_error', 'Internal server error', { cause: error });
  }
}

export function errorBody(error: AppError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.field === undefined ? {} : { field: error.field }),
      requestId,
    },
  };
}

export function renderError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const appError = toAppError(error);
  const status = statusOf(appError);
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
  }
  if (appError.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(appError.retryAfterSeconds));
  }
  return reply.status(status).send(errorBody(appError, request.id));
}
