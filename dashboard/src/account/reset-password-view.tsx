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
 * `/reset-password`: ask for a reset link by email; the mailed link (`#token=…`) leads back here to
 * choose the new password. A reset ends every session of the account, so the user signs in again.
 */
export function ResetPasswordView(props: PublicProps) {
  const token = useFragmentToken();
  return (
    <main class="sign-in account">
      {token === undefined ? (
        <RequestReset api={props.api} />
      ) : (
        <ChooseNewPassword key={token} api={props.api} token={token} />
      )}
    </main>
  );
}

function RequestReset(props: { api: Api }) {
  const [email, setEmail] = useState('');
  const [failure, setFailure] = useState<FormFailure | undefined>();
  const [answer, setAnswer] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const request = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      const reply = await props.api.post<{ message: string }>('/api/auth/password-reset', {
        email: email.trim(),
      });
      setAnswer(reply.message);
    } catch (error) {
      setFailure(formFailure(error, ['email']));
    } finally {
      setBusy(false);
    }
  };

  const emailError = failure?.field === 'email' ? failure.message : undefined;
  return (
    <form onSubmit={request} aria-labelledby="reset-title">
      <h1 id="reset-title">Reset your password</h1>
      {answer === undefined ? (
        <p>Enter the email you sign in with; we mail you a link to choose a new password.</p>
      ) : (
        <>
          <p class="notice" role="status">
            {answer}
          </p>
          <p class="hint">
            A link works for an hour. Nothing after a few minutes? Check your spam folder, or ask your
            agency’s administrator.
          </p>
        </>
      )}
      {failure !== undefined && failure.field === undefined && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      <Field id="reset-email" label="Email" error={emailError}>
        <input
          id="reset-email"
          type="email"
          autocomplete="username"
          required
          value={email}
          aria-invalid={emailError !== undefined}
          aria-describedby={describedBy('reset-email', false, emailError)}
          onInput={(event) => setEmail(event.currentTarget.value)}
        />
      </Field>
      <button type="submit" disabled={busy}>
        {busy ? 'Sending…' : answer === undefined ? 'Mail me a reset link' : 'Send another link'}
      </button>
      <p>
        <Link href="/login">Back to sign in</Link>
      </p>
    </form>
  );
}

function ChooseNewPassword(props: { api: Api; token: string }) {
  const [password, setPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [failure, setFailure] = useState<FormFailure | undefined>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  const confirm = async (event: Event) => {
    event.preventDefault();
    const problem = newPasswordProblem(password, repeated);
    if (problem !== undefined) return setFailure(problem);
    setBusy(true);
    setFailure(undefined);
    try {
      await props.api.post('/api/auth/password-reset/confirm', { token: props.token, password });
      // The spent token leaves the address bar (and the history entry) once it is used.
      history.replaceState(null, '', '/reset-password');
      setDone(true);
    } catch (error) {
      setFailure(formFailure(error, ['password', 'token']));
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <section class="panel" aria-labelledby="reset-done-title">
        <h1 id="reset-done-title">Your password is changed</h1>
        <p role="status">Every session of your account was signed out. Sign in with the new password.</p>
        <p>
          <Link href="/login">Sign in</Link>
        </p>
      </section>
    );
  }
  return (
    <form onSubmit={confirm} aria-labelledby="choose-title">
      <h1 id="choose-title">Choose a new password</h1>
      {failure?.field === 'token' && (
        <p class="error" role="alert">
          {failure.message}. <Link href="/reset-password">Ask for a new link.</Link>
        </p>
      )}
      {failure !== undefined && failure.field === undefined && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      <NewPasswordFields
        password={password}
        repeated={repeated}
        onPassword={setPassword}
        onRepeated={setRepeated}
        errors={{
          password: failure?.field === 'password' ? failure.message : undefined,
          repeat: failure?.field === 'repeat' ? failure.message : undefined,
        }}
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Set the new password'}
      </button>
    </form>
  );
}
