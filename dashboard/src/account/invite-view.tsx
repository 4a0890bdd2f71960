import { useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { describedBy, Field } from '../form.tsx';
import { formFailure, type FormFailure } from '../form-failure.ts';
import { Link } from '../link.tsx';
import { NewPasswordFields } from './new-password-fields.tsx';
import { newPasswordProblem } from './token-fragment.ts';
import { useFragmentToken } from './use-fragment-token.ts';
import './account.css';

type PublicProps = { api: Api; onSignedIn: () => void };

/**
 * Where an invitation mail's link leads (`/invite#token=…`): the invitee chooses a password, the
 * account is made and signed in with the dashboard's cookie session, and the dashboard opens.
 */
export function InviteView(props: PublicProps) {
  const token = useFragmentToken();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [failure, setFailure] = useState<FormFailure | undefined>();
  const [busy, setBusy] = useState(false);

  const accept = async (event: Event) => {
    event.preventDefault();
    const problem = newPasswordProblem(password, repeated);
    if (problem !== undefined) return setFailure(problem);
    setBusy(true);
    setFailure(undefined);
    try {
      await props.api.post('/api/invitations/accept', {
        token,
        password,
        ...(name.trim() === '' ? {} : { name: name.trim() }),
        cookie: true,
      });
      // The answer set the session cookie; resuming from it gives the dashboard its session.
      if (!(await props.api.resume())) {
        throw new Error(
          'Your account is ready, but signing in failed: sign in with your email and password.',
        );
      }
      props.onSignedIn();
    } catch (error) {
      setFailure(formFailure(error, ['name', 'password', 'token']));
      setBusy(false);
    }
  };

  if (token === undefined) {
    return (
      <main class="sign-in account">
        <section class="panel">
          <h1>Accept an invitation</h1>
          <p class="error" role="alert">
            This address has no invitation token. Open the link in your invitation mail again (the whole of
            it), or ask whoever invited you to invite you again.
          </p>
          <p>
            <Link href="/login">Sign in</Link> if you have an account already.
          </p>
        </section>
      </main>
    );
  }

  const errors = {
    password: failure?.field === 'password' ? failure.message : undefined,
    repeat: failure?.field === 'repeat' ? failure.message : undefined,
  };
  const nameError = failure?.field === 'name' ? failure.message : undefined;
  return (
    <main class="sign-in account">
      <form onSubmit={accept} aria-labelledby="invite-title">
        <h1 id="invite-title">Join your team on Beacon</h1>
        <p>Choose a password for your new account; you are signed in straight away.</p>
        {failure?.field === 'token' && (
          <p class="error" role="alert">
            {failure.message}. Ask whoever invited you to invite you again.
          </p>
        )}
        {failure !== undefined && failure.field === undefined && (
          <p class="error" role="alert">
            {failure.message}
          </p>
        )}
        <Field id="invite-name" label="Your name (optional)" error={nameError}>
          <input
            id="invite-name"
            type="text"
            autocomplete="name"
            value={name}
            aria-invalid={nameError !== undefined}
            aria-describedby={describedBy('invite-name', false, nameError)}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </Field>
        <NewPasswordFields
          password={password}
          repeated={repeated}
          onPassword={setPassword}
          onRepeated={setRepeated}
          errors={errors}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Creating your account…' : 'Create account and sign in'}
        </button>
      </form>
    </main>
  );
}
