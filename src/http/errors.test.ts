import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ConnectionStalledError } from '../db/pool.ts';
import { AppError } from '../errors.ts';
import { statusOf, toAppError } from './errors.ts';

function fastifyError(props: Partial<FastifyError>): FastifyError {
  return Object.assign(new Error(props.message ?? 'x'), props) as FastifyError;
}

describe('toAppError', () => {
  it.each([
    [{ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }, 'payload_too_large', 413],
    [{ statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }, 'unsupported_media_type', 415],
    [{ statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }, 'invalid_json', 400],
    [{ statusCode: 400, code: 'FST_ERR_CTP_EMPTY_JSON_BODY' }, 'bad_request', 400],
    [{ statusCode: 429 }, 'rate_limited', 429],
    [{ statusCode: 400 }, 'bad_request', 400],
    [{}, 'internal_error', 500],
    [{ statusCode: 503 }, 'internal_error', 500],
    [{ code: 'ECONNREFUSED' }, 'service_unavailable', 503],
    [{ code: '57014', message: 'canceling statement due to statement timeout' }, 'service_unavailable', 503],
    [{ message: 'timeout exceeded when trying to connect' }, 'service_unavailable', 503],
  ])('maps %j to %s', (props, code, status) => {
    const error = toAppError(fastifyError(props));
    expect(error.code).toBe(code);
    expect(statusOf(error)).toBe(status);
  });

  it('asks the client to retry later when PostgreSQL is unavailable, saying nothing internal', () => {
    const error = toAppError(new ConnectionStalledError(7_000));
    expect(error).toMatchObject({ code: 'service_unavailable', retryAfterSeconds: 5 });
    expect(error.message).not.toContain('PostgreSQL');
  });

  it('names the missing field of a validation error', () => {
    const error = toAppError(
      fastifyError({
        validationContext: 'body',
        validation: [
          {
            keyword: 'required',
            instancePath: '/owner',
            schemaPath: '',
            params: { missingProperty: 'email' },
            message: "must have required property 'email'",
          },
        ],
      }),
    );
    expect(error).toMatchObject({
      code: 'validation_failed',
      field: 'owner.email',
      message: 'owner.email is required',
    });
  });

  it('names the field of a wrong type', () => {
    const error = toAppError(
      fastifyError({
        validationContext: 'body',
        validation: [
          {
            keyword: 'type',
            instancePath: '/name',
            schemaPath: '',
            params: { type: 'string' },
            message: 'must be string',
          },
        ],
      }),
    );
    expect(error).toMatchObject({ code: 'validation_failed', field: 'name', message: 'name must be string' });
  });

  it('keeps an AppError as it is', () => {
    const original = new AppError('conflict', 'taken', { field: 'email' });
    expect(toAppError(original)).toBe(original);
  });

  it('hides the message of an unexpected error', () => {
    const error = toAppError(new Error('connection to 10.0.0.5:5432 refused, password=hunter2'));
    expect(error.message).toBe('Internal server error');
  });
});
