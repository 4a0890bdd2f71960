import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { addUser, createTenant, uniqueEmail, useTestApp } from '../../test/helpers.ts';
import { sha256Hex } from '../lib/ids.ts';
import { issuePasswordReset } from './auth/issue-password-reset.ts';
import { createUnconfiguredMailer } from './mailer.ts';

/** Every line the app logs, as pino writes it. */
const logLines: string[] = [];
const logger = pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) });
const context = useTestApp({ logger, mailer: createUnconfiguredMailer(logger) });
const PASSWORD = 'a new long password';

/** Every run of 43 base64url characters in the log: what a one-time token looks like. */
function tokenShapedStrings(): string[] {
  return logLines.join('\n').match(/[A-Za-z0-9_-]{43}/g) ?? [];
}

async function storedResetHashes(userId: string): Promise<string[]> {
  const { rows } = await context.db.query('SELECT token_hash FROM password_resets WHERE user_id = $1', [
    userId,
  ]);
  return rows.map((row) => row.token_hash);
}

describe('without a mail server (no SMTP_URL)', () => {
  it('a password reset answers 202 alike for every email, sends nothing and logs no token', async () => {
    const tenant = await createTenant(context);
    const known = await context.app.inject({
      method: 'POST',
      url: '/api/auth/password-reset',
      payload: { email: tenant.email },
    });
    const unknown = await context.app.inject({
      method: 'POST',
      url: '/api/auth/password-reset',
      payload: { email: uniqueEmail('nobody') },
    });
    expect(known.statusCode, known.body).toBe(202);
    expect(known.body).toBe(unknown.body);
    expect(known.json().message).toMatch(/cannot send mail: ask an administrator/);
    await expect
      .poll(() => logLines.some((line) => line.includes(`mail to ${tenant.email} not sent`)))
      .toBe(true);
    const warning = JSON.parse(logLines.find((line) => line.includes(`mail to ${tenant.email} not sent`))!);
    expect(warning).toMatchObject({
      level: 40,
      mail: { to: tenant.email, subject: 'Reset your Beacon password' },
      msg: expect.stringContaining(`npm run beacon -- password-reset --email ${tenant.email}`),
    });
    expect(JSON.stringify(warning)).not.toContain('/confirm');
    const hashes = await storedResetHashes(tenant.userId);
    expect(hashes).toHaveLength(1);
    for (const candidate of tokenShapedStrings()) expect(hashes).not.toContain(sha256Hex(candidate));
  });

  it("an administrator's reset token (the CLI's) works and is not logged", async () => {
    const tenant = await createTenant(context);
    const { token } = await issuePasswordReset({ db: context.db, email: tenant.email.toUpperCase() });
    const confirmed = await context.app.inject({
      method: 'POST',
      url: '/api/auth/password-reset/confirm',
      payload: { token, password: PASSWORD },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(204);
    expect(logLines.join('\n')).not.toContain(token);
    const { rows } = await context.db.query(
      "SELECT actor_type, actor_id, target_id FROM audit_log WHERE action = 'password.reset_issue' AND agency_id = $1",
      [tenant.agencyId],
    );
    expect(rows).toEqual([{ actor_type: 'system', actor_id: 'cli', target_id: tenant.userId }]);
  });

  it('the instance administrator gets the invitation token in the answer, once, and it is not logged', async () => {
    const admin = await createTenant(context, { instanceAdmin: true });
    const email = uniqueEmail('invitee');
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/invitations',
      headers: admin.auth,
      payload: { email, role: 'member' },
    });
    expect(response.statusCode, response.body).toBe(201);
    const { token } = response.json();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(logLines.join('\n')).not.toContain(token);
    const list = await context.app.inject({ method: 'GET', url: '/api/invitations', headers: admin.auth });
    expect(list.body).not.toContain(token);
    const accepted = await context.app.inject({
      method: 'POST',
      url: '/api/invitations/accept',
      payload: { token, password: PASSWORD },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json().user).toMatchObject({ email, role: 'member' });
  });

  it('any other owner or admin gets 503 naming the missing mail server, and no invitation is made', async () => {
    const owner = await createTenant(context);
    const admin = await addUser(context, owner.agencyId, 'admin');
    for (const inviter of [owner, admin]) {
      const email = uniqueEmail('invitee');
      const response = await context.app.inject({
        method: 'POST',
        url: '/api/invitations',
        headers: inviter.auth,
        payload: { email, role: 'viewer' },
      });
      expect(response.statusCode, response.body).toBe(503);
      expect(response.json().error).toMatchObject({
        code: 'service_unavailable',
        message: expect.stringMatching(/no mail server \(SMTP_URL\).*instance administrator/),
      });
      const { rowCount } = await context.db.query('SELECT 1 FROM invitations WHERE email = $1', [email]);
      expect(rowCount).toBe(0);
    }
  });
});
