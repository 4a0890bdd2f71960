import { ApiError } from './api.ts';

/** A failed form submission: the message, and the form's field it belongs next to (if any). */
export interface FormFailure {
  field?: string;
  message: string;
}

/**
 * Where a failure is shown: next to the form's field that the API named (`allowedDomains.2` and
 * `allowedDomains` both belong to the `allowedDomains` input), else above the whole form.
 */
export function formFailure(error: unknown, fields: readonly string[]): FormFailure {
  const message = error instanceof Error ? error.message : String(error);
  const named = error instanceof ApiError ? error.field?.split('.')[0] : undefined;
  return named !== undefined && fields.includes(named) ? { field: named, message } : { message };
}
