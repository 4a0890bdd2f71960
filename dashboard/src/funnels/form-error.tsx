import { ApiError } from '../api.ts';

/** A failed save, with the request field it names when the API named one (`pagePattern`, `steps.1.page`). */
export interface FormError {
  field?: string;
  message: string;
}

export function formErrorOf(error: unknown): FormError {
  if (error instanceof ApiError) {
    return error.field === undefined
      ? { message: error.message }
      : { field: error.field, message: error.message };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

/** The id a field's message has, for the field's aria-describedby. */
export const errorId = (form: string, field: string) => `${form}-${field.replace(/\W/g, '-')}-error`;

/** What an input carries when the error names it. */
export function fieldProps(error: FormError | undefined, form: string, field: string) {
  return error?.field === field
    ? { 'aria-invalid': true, 'aria-describedby': errorId(form, field) }
    : { 'aria-invalid': false };
}

/** The message next to the field the error names; nothing for other fields. */
export function FieldError(props: { error: FormError | undefined; form: string; field: string }) {
  if (props.error?.field !== props.field) return null;
  return (
    <p class="error field-error" role="alert" id={errorId(props.form, props.field)}>
      {props.error.message}
    </p>
  );
}

/** The message of an error that names none of the form's fields, for the form as a whole. */
export function FormAlert(props: { error: FormError | undefined; fields: (field: string) => boolean }) {
  const { error } = props;
  if (error === undefined || (error.field !== undefined && props.fields(error.field))) return null;
  return (
    <p class="error" role="alert">
      {error.message}
    </p>
  );
}
