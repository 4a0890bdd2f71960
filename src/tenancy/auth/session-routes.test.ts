import { describe, expect, it } from 'vitest';
import { addUser, createTenant, TEST_PASSWORD, useTestApp } from '../../../test/helpers.ts';

const context = useTestApp();

async function signIn(email: string, userAgent: string) {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    remoteAddress: '198.51.100.20',
    headers: { 'user-agent': userAgent },
    payload: { email, password: TEST_PASSWORD },
  });
  expect(response.statusCode, response.body).toBe(200);
  const session = response.json<{ accessToken: string; refreshToken: string }>();
  return { ...session, auth: { authorization: `Bearer ${session.accessToken}` } };
}

function listSessions(auth: { authorization: string }) {
  return context.app.inject({ method: 'GET', url: '/api/auth/sessions', headers: auth });
}

function revoke(auth: { authorization: string }, sessionId: string) {
  return context.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${sessionId}`, headers: auth });
}

describe('GET /api/auth/sessions', () => {
  it("lists the caller's active sessions, marking the current one", async () => {
    const tenant = await createTenant(context);
    const laptop = await signIn(tenant.email, 'Laptop/1.0');
    const phone = await signIn(tenant.email, 'Phone/2.0');
    const response = await listSessions(laptop.auth);
    expect(response.statusCode, response.body).toBe(200);
    const sessions = response.json().sessions;
    expect(sessions).toHaveLength(2);
    expect(sessions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userAgent: 'Laptop/1.0', ip: '198.51.100.20', current: true }),
        expect.objectContaining({ userAgent: 'Phone/2.0', current: false }),
      ]),
    );
    expect(sessions[0].id).toMatch(/^fam_/);
    expect(response.body).not.toContain(phone.refreshToken);
  });

  it('keeps one entry per session across refreshes; the refreshed token is still current', async () => {
    const tenant = await createTenant(context);
    const first = await signIn(tenant.email, 'Laptop/1.0');
    const before = (await listSessions(first.auth)).json().sessions[0];
    const rotated = await context.app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { 'user-agent': 'Laptop/1.1' },
      payload: { refreshToken: first.refreshToken },
    });
    const auth = { authorization: `Bearer ${rotated.json().accessToken}` };
    const sessions = (await listSessions(auth)).json().sessions;
    expect(sessions).toEqual([
      expect.objectContaining({
        id: before.id,
        createdAt: before.createdAt,
        userAgent: 'Laptop/1.1',
        current: true,
      }),
    ]);
    expect(Date.parse(sessions[0].lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(before.lastUsedAt));
  });

  it('leaves out sessions ended by logout, and other users’ sessions', async () => {
    const tenant = await createTenant(context);
    const colleague = await addUser(context, tenant.agencyId, 'admin');
    const ended = await signIn(tenant.email, 'Old/1.0');
    await context.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      payload: { refreshToken: ended.refreshToken },
    });
    await signIn(colleague.email, 'Colleague/1.0');
    const current = await signIn(tenant.email, 'New/1.0');
    const sessions = (await listSessions(current.auth)).json().sessions;
    expect(sessions.map((session: { userAgent: string }) => session.userAgent)).toEqual(['New/1.0']);
  });
});

describe('DELETE /api/auth/sessions/:sessionId', () => {
  it('signs the session out: its refresh token stops working; it is audited', async () => {
    const tenant = await createTenant(context);
    const laptop = await signIn(tenant.email, 'Laptop/1.0');
    const phone = await signIn(tenant.email, 'Phone/2.0');
    const phoneSession = (await listSessions(laptop.auth))
      .json()
      .sessions.find((session: { userAgent: string }) => session.userAgent === 'Phone/2.0');
    const response = await revoke(laptop.auth, phoneSession.id);
    expect(response.statusCode, response.body).toBe(204);
    const refresh = await context.app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refreshToken: phone.refreshToken },
    });
    expect(refresh.statusCode).toBe(401);
    const remaining = (await listSessions(laptop.auth)).json().sessions;
    expect(remaining.map((session: { userAgent: string }) => session.userAgent)).toEqual(['Laptop/1.0']);
    const { rows } = await context.db.query('SELECT action, actor_id FROM audit_log WHERE target_id = $1', [
      phoneSession.id,
    ]);
    expect(rows).toEqual([{ action: 'session.revoke', actor_id: tenant.userId }]);
    expect((await revoke(laptop.auth, phoneSession.id)).statusCode, 'already ended').toBe(404);
  });

  it("answers another user's session 404, in the same agency or another, and leaves it alive", async () => {
    const tenant = await createTenant(context);
    const colleague = await addUser(context, tenant.agencyId, 'member');
    const stranger = await createTenant(context);
    const mine = await signIn(tenant.email, 'Mine/1.0');
    for (const other of [colleague, stranger]) {
      const theirs = await signIn(other.email, 'Theirs/1.0');
      const theirId = (await listSessions(theirs.auth)).json().sessions[0].id;
      const response = await revoke(mine.auth, theirId);
      expect(response.statusCode, response.body).toBe(404);
      const refresh = await context.app.inject({
        method: 'POST',
        url: '/api/auth/refresh',
        payload: { refreshToken: theirs.refreshToken },
      });
      expect(refresh.statusCode).toBe(200);
    }
    expect((await revoke(mine.auth, 'fam_unknown')).statusCode).toBe(404);
  });

  it('lets a viewer manage their own sessions', async () => {
    const tenant = await createTenant(context);
    const viewer = await addUser(context, tenant.agencyId, 'viewer');
    const session = await signIn(viewer.email, 'Viewer/1.0');
    const id = (await listSessions(session.auth)).json().sessions[0].id;
    expect((await revoke(session.auth, id)).statusCode).toBe(204);
  });
});
