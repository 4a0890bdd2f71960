/**
 * The one-time token of a mailed link, `/invite#token=…` or `/reset-password#token=…`. It rides in
 * the fragment because browsers never send that to a server, so no access log keeps it.
 */
export function tokenFromFragment(hash: string): string | undefined {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token')?.trim();
  return token === undefined || token === '' ? undefined : token;
}

/** The shortest password the API takes for a new account or a reset. */
export const MIN_PASSWORD_LENGTH = 10;

/** What is wrong with a new password and its repetition before the API is asked, if anything. */
export function newPasswordProblem(
  password: string,
  repeated: string,
): { field: string; message: string } | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return { field: 'password', message: `Choose at least ${MIN_PASSWORD_LENGTH} characters.` };
  }
  if (password !== repeated) return { field: 'repeat', message: 'The two passwords differ.' };
  return undefined;
}
