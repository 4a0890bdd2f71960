import type { Pool } from '../../db/pool.ts';
import { AppError } from '../../errors.ts';
import type { UserRow } from '../users/agency-record.ts';
import type { AccessTokens } from './access-tokens.ts';
import { accountKey, checkLoginAllowed, recordLoginFailure, recordLoginSuccess } from './login-lockout.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './passwords.ts';
import type { ClientMeta } from './refresh-tokens.ts';
import { startSession, type Session } from './start-session.ts';

/** One message for unknown email and wrong password, so the response does not reveal accounts. */
const INVALID_CREDENTIALS = 'Invalid email or password';

/**
 * Checks email and password. Failures are counted per email and client address (see
 * login-lockout.ts): a locked attempt answers 429 with Retry-After without its password being
 * checked, the right one included. Unknown emails go through the same steps, the same queries and
 * a password check against a dummy hash, so neither the answers nor their timing tell them apart
 * from accounts. `address` is the client address as rate limits count it (an IPv6 /64);
 * `now` is injectable for tests of the lockout schedule.
 */
export async function login({
  db,
  tokens,
  input,
  meta,
  address,
  now = Date.now(),
}: {
  db: Pool;
  tokens: AccessTokens;
  input: { email: string; password: string };
  meta: ClientMeta;
  address: string;
  now?: number;
}): Promise<Session> {
  const email = input.email.trim().toLowerCase();
  const attempt = { account: accountKey(email), address, now };
  const { rows } = await db.query<UserRow & { password_hash: string }>(
    `SELECT id, agency_id, email, name, role, is_instance_admin, password_hash
     FROM dashboard_users WHERE email = $1`,
    [email],
  );
  const user = rows[0];
  await checkLoginAllowed(db, attempt);
  const valid = await verifyPassword(input.password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
  if (user === undefined || !valid) {
    await recordLoginFailure(db, attempt);
    throw new AppError('unauthorized', INVALID_CREDENTIALS);
  }
  await recordLoginSuccess(db, attempt);
  await db.query('UPDATE dashboard_users SET last_login_at = now() WHERE id = $1', [user.id]);
  return startSession({ db, tokens, user, meta });
}
