import { describedBy, Field } from '../form.tsx';
import { MIN_PASSWORD_LENGTH } from './token-fragment.ts';

/** A new password typed twice, with the errors that belong next to either. */
export function NewPasswordFields(props: {
  password: string;
  repeated: string;
  onPassword: (value: string) => void;
  onRepeated: (value: string) => void;
  errors: { password?: string; repeat?: string };
}) {
  const hint = `At least ${MIN_PASSWORD_LENGTH} characters; a few words you remember work well.`;
  return (
    <>
      <Field id="new-password" label="New password" hint={hint} error={props.errors.password}>
        <input
          id="new-password"
          type="password"
          autocomplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          value={props.password}
          aria-invalid={props.errors.password !== undefined}
          aria-describedby={describedBy('new-password', true, props.errors.password)}
          onInput={(event) => props.onPassword(event.currentTarget.value)}
        />
      </Field>
      <Field id="repeat-password" label="Repeat the password" error={props.errors.repeat}>
        <input
          id="repeat-password"
          type="password"
          autocomplete="new-password"
          required
          value={props.repeated}
          aria-invalid={props.errors.repeat !== undefined}
          aria-describedby={describedBy('repeat-password', false, props.errors.repeat)}
          onInput={(event) => props.onRepeated(event.currentTarget.value)}
        />
      </Field>
    </>
  );
}
