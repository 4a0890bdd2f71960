import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSmtp, type FakeSmtp } from '../../../test/fakes/smtp-server.ts';
import {
  addUser,
  createTenant,
  mailedToken,
  uniqueEmail,
  useTestApp,
  type TestTenant,
} from '../../../test/helpers.ts';
import { sha256Hex } from '../../lib/ids.ts';
import { createSmtpMailer, type Mailer } from '../mailer.ts';

const context = useTestApp();
type Auth = { authorization: string };
const PASSWORD = 'a new long password';

async function newSite(auth: Auth, name = 'Site'): Promise<string> {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: auth,
    payload: { name, domain: `${name.toLowerCase()}.example` },
  });
  return response.json().id;
}

function invite(auth: Auth, payload: unknown) {
  return context.app.inject({
    method: 'POST',
    url: '/api/invitations',
    headers: auth,
    payload: payload as object,
  });
}

function accept(payload: unknown) {
  return context.app.inject({ method: 'POST', url: '/api/invitations/accept', payload: payload as object });
}

/** The token of the latest message to this address, which its dashboard link carries too. */
function tokenMailedTo(email: string): string {
  const message = context.mail.filter((mail) => mail.to === email).at(-1);
  const mailed = message && mailedToken(message.text, 'invite');
  if (mailed === undefined) throw new Error(`no token mailed to ${email}: ${JSON.stringify(message)}`);
  return mailed.token;
}

async function invited(owner: TestTenant, payload: Record<string, unknown> = {}) {
  const email = uniqueEmail('invitee');
  const response = await invite(owner.auth, { email, role: 'member', ...payload });
  expect(response.statusCode, response.body).toBe(201);
  return { email, id: response.json().id as string, token: tokenMailedTo(email) };
}

describe('POST /api/invitations', () => {
  it('stores the invitation, mails a one-time token kept only as SHA-256, and audits it', async () => {
    const owner = await createTenant(context);
    const siteId = await newSite(owner.auth);
    const email = uniqueEmail('Invitee');
    const before = Date.now();
    const response = await invite(owner.auth, { email, role: 'viewer', siteIds: [siteId] });
    expect(response.statusCode, response.body).toBe(201);
    const invitation = response.json();
    expect(invitation).toMatchObject({
      id: expect.stringMatching(/^inv_/),
      email: email.toLowerCase(),
      role: 'viewer',
      siteIds: [siteId],
    });
    const expiresIn = Date.parse(invitation.expiresAt) - before;
    expect(expiresIn).toBeGreaterThan(7 * 24 * 3600_000 - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(7 * 24 * 3600_000 + 60_000);
    const token = tokenMailedTo(email.toLowerCase());
    expect(response.body).not.toContain(token);
    const { rows } = await context.db.query('SELECT token_hash, created_by FROM invitations WHERE id = $1', [
      invitation.id,
    ]);
    expect(rows[0]).toEqual({ token_hash: sha256Hex(token), created_by: owner.userId });
    const audit = await context.db.query('SELECT action, actor_id FROM audit_log WHERE target_id = $1', [
      invitation.id,
    ]);
    expect(audit.rows).toEqual([{ action: 'user.invite', actor_id: owner.userId }]);
  });

  it.each([
    [{ role: 'member' }, 'email'],
    [{ email: 'not an email', role: 'member' }, 'email'],
    [{ email: 'a@test.example' }, 'role'],
    [{ email: 'a@test.example', role: 'owner' }, 'role'],
    [{ email: 'a@test.example', role: 'member', siteIds: 'site_x' }, 'siteIds'],
    [{ email: 'a@test.example', role: 'member', siteIds: ['site_unknown'] }, 'siteIds.0'],
    [{ email: 'a@test.example', role: 'member', agencyId: 'agency_x' }, 'agencyId'],
  ])('rejects %j naming %s', async (payload, field) => {
    const owner = await createTenant(context);
    const response = await invite(owner.auth, payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', field });
  });

  it("refuses another agency's site, naming siteIds.N", async () => {
    const owner = await createTenant(context);
    const mine = await newSite(owner.auth, 'Mine');
    const stranger = await createTenant(context);
    const theirs = await newSite(stranger.auth, 'Theirs');
    const response = await invite(owner.auth, {
      email: uniqueEmail(),
      role: 'member',
      siteIds: [mine, theirs],
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.field).toBe('siteIds.1');
  });

  it('answers 409 naming email when the address is already a user of the same agency', async () => {
    const owner = await createTenant(context);
    const colleague = await addUser(context, owner.agencyId, 'member');
    const response = await invite(owner.auth, { email: colleague.email.toUpperCase(), role: 'member' });
    expect(response.statusCode, response.body).toBe(409);
    expect(response.json().error).toMatchObject({ code: 'conflict', field: 'email' });
  });

  it("answers for another agency's user exactly as for a new address; only the mail says it cannot join", async () => {
    const owner = await createTenant(context);
    const stranger = await createTenant(context);
    const fresh = await invite(owner.auth, { email: uniqueEmail(), role: 'member' });
    const taken = await invite(owner.auth, { email: stranger.email.toUpperCase(), role: 'member' });
    expect(taken.statusCode, taken.body).toBe(fresh.statusCode);
    expect(Object.keys(taken.json()).sort()).toEqual(Object.keys(fresh.json()).sort());
    const mail = context.mail.findLast((message) => message.to === stranger.email);
    expect(mail?.text).toMatch(/already signs in to another agency/);
    expect(mail?.text).not.toMatch(/^[A-Za-z0-9_-]{43}$/m);
    expect(mail?.text).not.toContain('#token=');
  });

  it('lets an admin invite an admin; forbids members and viewers', async () => {
    const owner = await createTenant(context);
    const admin = await addUser(context, owner.agencyId, 'admin');
    expect((await invite(admin.auth, { email: uniqueEmail(), role: 'admin' })).statusCode).toBe(201);
    for (const role of ['member', 'viewer'] as const) {
      const user = await addUser(context, owner.agencyId, role);
      const response = await invite(user.auth, { email: uniqueEmail(), role: 'viewer' });
      expect(response.statusCode, response.body).toBe(403);
    }
  });

  it('revokes the earlier invitation when the same address is invited again', async () => {
    const owner = await createTenant(context);
    const first = await invited(owner);
    const again = await invite(owner.auth, { email: first.email, role: 'viewer' });
    expect(again.statusCode).toBe(201);
    expect((await accept({ token: first.token, password: PASSWORD })).statusCode).toBe(400);
    const session = await accept({ token: tokenMailedTo(first.email), password: PASSWORD });
    expect(session.statusCode, session.body).toBe(200);
    expect(session.json().user.role).toBe('viewer');
  });
});

describe('GET /api/invitations', () => {
  it('lists only pending invitations of the caller agency', async () => {
    const owner = await createTenant(context);
    const pending = await invited(owner);
    const accepted = await invited(owner);
    const revoked = await invited(owner);
    const expired = await invited(owner);
    await accept({ token: accepted.token, password: PASSWORD });
    await context.app.inject({
      method: 'DELETE',
      url: `/api/invitations/${revoked.id}`,
      headers: owner.auth,
    });
    await context.db.query("UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1", [
      expired.id,
    ]);
    const stranger = await createTenant(context);
    await invited(stranger);
    const response = await context.app.inject({
      method: 'GET',
      url: '/api/invitations',
      headers: owner.auth,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().invitations.map((invitation: { id: string }) => invitation.id)).toEqual([
      pending.id,
    ]);
    expect(response.body).not.toContain(pending.token);
  });

  it.each(['member', 'viewer'] as const)('forbids a %s (403)', async (role) => {
    const owner = await createTenant(context);
    const user = await addUser(context, owner.agencyId, role);
    const response = await context.app.inject({ method: 'GET', url: '/api/invitations', headers: user.auth });
    expect(response.statusCode).toBe(403);
  });
});

describe('DELETE /api/invitations/:invitationId', () => {
  it('revokes the invitation: its token stops working, and it is audited', async () => {
    const owner = await createTenant(context);
    const invitation = await invited(owner);
    const response = await context.app.inject({
      method: 'DELETE',
      url: `/api/invitations/${invitation.id}`,
      headers: owner.auth,
    });
    expect(response.statusCode, response.body).toBe(204);
    const refused = await accept({ token: invitation.token, password: PASSWORD });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.field).toBe('token');
    const { rows } = await context.db.query('SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id', [
      invitation.id,
    ]);
    expect(rows.map((row) => row.action)).toEqual(['user.invite', 'invitation.revoke']);
    const again = await context.app.inject({
      method: 'DELETE',
      url: `/api/invitations/${invitation.id}`,
      headers: owner.auth,
    });
    expect(again.statusCode).toBe(404);
  });

  it("answers another agency's invitation 404 and leaves it working", async () => {
    const owner = await createTenant(context);
    const stranger = await createTenant(context);
    const theirs = await invited(stranger);
    const response = await context.app.inject({
      method: 'DELETE',
      url: `/api/invitations/${theirs.id}`,
      headers: owner.auth,
    });
    expect(response.statusCode, response.body).toBe(404);
    expect((await accept({ token: theirs.token, password: PASSWORD })).statusCode).toBe(200);
  });

  it('forbids a member (403)', async () => {
    const owner = await createTenant(context);
    const member = await addUser(context, owner.agencyId, 'member');
    const invitation = await invited(owner);
    const response = await context.app.inject({
      method: 'DELETE',
      url: `/api/invitations/${invitation.id}`,
      headers: member.auth,
    });
    expect(response.statusCode).toBe(403);
  });
});

describe('POST /api/invitations/accept', () => {
  it('creates the user with the role and sites of the invitation and signs them in', async () => {
    const owner = await createTenant(context);
    const siteId = await newSite(owner.auth, 'Assigned');
    await newSite(owner.auth, 'Other');
    const invitation = await invited(owner, { role: 'member', siteIds: [siteId] });
    const response = await accept({ token: invitation.token, password: PASSWORD, name: ' Ada ' });
    expect(response.statusCode, response.body).toBe(200);
    const session = response.json();
    expect(session).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^rt_/),
      user: { email: invitation.email, name: 'Ada', role: 'member', agencyId: owner.agencyId },
    });
    const sites = await context.app.inject({
      method: 'GET',
      url: '/api/sites',
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(sites.json().sites.map((site: { id: string }) => site.id)).toEqual([siteId]);
    const login = await context.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: invitation.email, password: PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    const { rows } = await context.db.query(
      'SELECT action, actor_id FROM audit_log WHERE target_id = $1 ORDER BY id',
      [invitation.id],
    );
    expect(rows).toEqual([
      { action: 'user.invite', actor_id: owner.userId },
      { action: 'invitation.accept', actor_id: session.user.id },
    ]);
  });

  it('with cookie: true sets the session cookies the dashboard resumes from, and keeps the refresh token out of the body', async () => {
    const owner = await createTenant(context);
    const invitation = await invited(owner);
    const response = await accept({ token: invitation.token, password: PASSWORD, cookie: true });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ accessToken: expect.any(String), user: expect.any(Object) });
    const cookies = [response.headers['set-cookie']].flat().map(String);
    const refreshCookie = cookies.find((cookie) => cookie.startsWith('beacon_refresh='));
    const csrfCookie = cookies.find((cookie) => cookie.startsWith('beacon_csrf='));
    expect(refreshCookie).toMatch(/HttpOnly; Secure; SameSite=Strict/);
    const csrf = csrfCookie!.split(';')[0]!.slice('beacon_csrf='.length);
    const refreshed = await context.app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      headers: {
        cookie: `${refreshCookie!.split(';')[0]}; beacon_csrf=${csrf}`,
        'x-beacon-csrf': csrf,
      },
      payload: {},
    });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    expect(refreshed.json().user.email).toBe(invitation.email);
  });

  it('is single use', async () => {
    const owner = await createTenant(context);
    const invitation = await invited(owner);
    expect((await accept({ token: invitation.token, password: PASSWORD })).statusCode).toBe(200);
    const again = await accept({ token: invitation.token, password: 'another long password' });
    expect(again.statusCode, again.body).toBe(400);
    expect(again.json().error).toMatchObject({ code: 'validation_failed', field: 'token' });
  });

  it('lets only one of two simultaneous acceptances through', async () => {
    const owner = await createTenant(context);
    const invitation = await invited(owner);
    const responses = await Promise.all([
      accept({ token: invitation.token, password: PASSWORD }),
      accept({ token: invitation.token, password: PASSWORD }),
    ]);
    expect(responses.map((response) => response.statusCode).sort()).toEqual([200, 400]);
  });

  it('answers 400 naming token, with one message, for unknown, expired and revoked tokens', async () => {
    const owner = await createTenant(context);
    const expired = await invited(owner);
    await context.db.query("UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1", [
      expired.id,
    ]);
    const revoked = await invited(owner);
    await context.db.query('UPDATE invitations SET revoked_at = now() WHERE id = $1', [revoked.id]);
    const responses = await Promise.all(
      ['x'.repeat(43), expired.token, revoked.token].map((token) => accept({ token, password: PASSWORD })),
    );
    for (const response of responses) {
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'validation_failed', field: 'token' });
      expect(response.json().error.message).toBe(responses[0]!.json().error.message);
    }
  });

  it('answers 409 when the address got an account meanwhile, and keeps the invitation', async () => {
    const owner = await createTenant(context);
    const invitation = await invited(owner);
    await context.db.query(
      `INSERT INTO dashboard_users (id, agency_id, email, password_hash, role)
       VALUES ($1, $2, $3, 'x', 'viewer')`,
      [`user_${invitation.id}`, owner.agencyId, invitation.email],
    );
    const response = await accept({ token: invitation.token, password: PASSWORD });
    expect(response.statusCode, response.body).toBe(409);
    const { rows } = await context.db.query('SELECT accepted_at FROM invitations WHERE id = $1', [
      invitation.id,
    ]);
    expect(rows[0].accepted_at).toBeNull();
  });

  it('skips sites deleted since the invitation was sent', async () => {
    const owner = await createTenant(context);
    const kept = await newSite(owner.auth, 'Kept');
    const gone = await newSite(owner.auth, 'Gone');
    const invitation = await invited(owner, { siteIds: [kept, gone] });
    await context.app.inject({ method: 'DELETE', url: `/api/sites/${gone}`, headers: owner.auth });
    const session = (await accept({ token: invitation.token, password: PASSWORD })).json();
    const { rows } = await context.db.query('SELECT site_id FROM site_members WHERE user_id = $1', [
      session.user.id,
    ]);
    expect(rows.map((row) => row.site_id)).toEqual([kept]);
  });

  it.each([
    [{ password: PASSWORD }, 'token'],
    [{ token: '', password: PASSWORD }, 'token'],
    [{ token: 'abc' }, 'password'],
    [{ token: 'abc', password: 'too short' }, 'password'],
    [{ token: 'abc', password: PASSWORD, name: 42 }, 'name'],
    [{ token: 'abc', password: PASSWORD, role: 'owner' }, 'role'],
  ])('rejects %j naming %s', async (payload, field) => {
    const response = await accept(payload);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation_failed', field });
  });
});

describe('POST /api/invitations when the mail server cannot be reached', () => {
  let smtp: FakeSmtp;
  const mailer = { current: undefined as Mailer | undefined };
  // The app is built before the server's port is known: its mailer delegates to the one made then.
  const viaSmtp = useTestApp({
    mailer: { delivers: true, send: (message) => mailer.current!.send(message) },
  });
  beforeAll(async () => {
    smtp = await startFakeSmtp({ users: { beacon: 'hunter22' } });
    mailer.current = createSmtpMailer({
      url: smtp.url({ user: 'beacon', pass: 'hunter22' }),
      from: 'Beacon <beacon@agency.example>',
      ignoreTls: true,
    });
  });
  afterAll(() => smtp.close());

  it('answers 503 service_unavailable, keeps nothing of the attempt, and the earlier invitation still works', async () => {
    const owner = await createTenant(viaSmtp);
    const email = uniqueEmail('invitee');
    const first = await viaSmtp.app.inject({
      method: 'POST',
      url: '/api/invitations',
      headers: owner.auth,
      payload: { email, role: 'member' },
    });
    expect(first.statusCode, first.body).toBe(201);
    const token = smtp.received.at(-1)?.body.match(/^[A-Za-z0-9_-]{43}$/m)?.[0];
    expect(token, JSON.stringify(smtp.received.at(-1))).toBeDefined();

    await smtp.close();
    const second = await viaSmtp.app.inject({
      method: 'POST',
      url: '/api/invitations',
      headers: owner.auth,
      payload: { email, role: 'viewer' },
    });
    expect(second.statusCode, second.body).toBe(503);
    expect(second.json().error).toMatchObject({
      code: 'service_unavailable',
      message: 'The invitation could not be mailed; try again later',
    });
    expect(second.body).not.toMatch(/127\.0\.0\.1|hunter22|ECONNREFUSED/);
    const { rows } = await viaSmtp.db.query(
      'SELECT id, revoked_at FROM invitations WHERE agency_id = $1 AND email = $2',
      [owner.agencyId, email],
    );
    expect(rows).toEqual([{ id: first.json().id, revoked_at: null }]);
    const audit = await viaSmtp.db.query(
      "SELECT target_id FROM audit_log WHERE agency_id = $1 AND action = 'user.invite'",
      [owner.agencyId],
    );
    expect(audit.rows).toEqual([{ target_id: first.json().id }]);
    const session = await viaSmtp.app.inject({
      method: 'POST',
      url: '/api/invitations/accept',
      payload: { token, password: PASSWORD },
    });
    expect(session.statusCode, session.body).toBe(200);
    expect(session.json().user.role).toBe('member');
  });
});

describe('POST /api/invitations while the mail server is slow', () => {
  const seenByMailer: Array<{ rows: number }> = [];
  const slow = useTestApp({
    mailer: {
      delivers: true,
      // Another connection looks for the invitation while its mail is in flight: it must already be
      // committed, so no transaction (and no pooled connection) waits on the mail server.
      async send(message) {
        const { rowCount } = await slow.db.query('SELECT 1 FROM invitations WHERE email = $1', [message.to]);
        seenByMailer.push({ rows: rowCount ?? 0 });
      },
    },
  });

  it('sends the mail after the invitation is committed', async () => {
    const owner = await createTenant(slow);
    const response = await slow.app.inject({
      method: 'POST',
      url: '/api/invitations',
      headers: owner.auth,
      payload: { email: uniqueEmail('invitee'), role: 'member' },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(seenByMailer).toEqual([{ rows: 1 }]);
  });
});
