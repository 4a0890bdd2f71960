import { describe, expect, it } from 'vitest';
import { createTenant, useTestApp } from '../../test/helpers.ts';
import { newId, sha256Hex } from '../lib/ids.ts';
import { pruneExpiredCredentials } from './prune-expired-credentials.ts';

const context = useTestApp();

// The clock stands in 2000, so pruning here never touches what other suites store now.
const NOW = Date.parse('2000-01-01T00:00:00Z');
const at = (offsetMs: number) => new Date(NOW + offsetMs);
const SECOND = 1000;
const DAY = 24 * 60 * 60 * SECOND;

async function remaining(table: string, column: string, keys: string[]): Promise<string[]> {
  const { rows } = await context.db.query(`SELECT ${column} AS key FROM ${table} WHERE ${column} = ANY($1)`, [
    keys,
  ]);
  return rows.map((row) => row.key as string).sort();
}

describe('pruneExpiredCredentials', () => {
  it('deletes expired resets, finished invitations, expired refresh tokens and stale login attempts', async () => {
    const tenant = await createTenant(context);
    const reset = (label: string) => sha256Hex(`${tenant.userId}-${label}`);
    const resets = {
      expired: [reset('expired'), at(-SECOND), null],
      usedStillValid: [reset('used'), at(30 * 60 * SECOND), at(-60 * SECOND)],
      pending: [reset('pending'), at(30 * 60 * SECOND), null],
    };
    for (const [hash, expiresAt, usedAt] of Object.values(resets)) {
      await context.db.query(
        'INSERT INTO password_resets (token_hash, user_id, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5)',
        [hash, tenant.userId, at(-DAY), expiresAt, usedAt],
      );
    }

    const invitations = {
      expired: { id: newId('inv'), expires: at(-SECOND) },
      accepted: { id: newId('inv'), expires: at(DAY), accepted: at(-SECOND) },
      revoked: { id: newId('inv'), expires: at(DAY), revoked: at(-SECOND) },
      pending: { id: newId('inv'), expires: at(DAY) },
    };
    for (const invitation of Object.values(invitations)) {
      await context.db.query(
        `INSERT INTO invitations (id, agency_id, email, role, token_hash, created_at, expires_at, accepted_at, revoked_at)
         VALUES ($1, $2, $3, 'member', $4, $5, $6, $7, $8)`,
        [
          invitation.id,
          tenant.agencyId,
          `${invitation.id}@test.example`,
          sha256Hex(invitation.id),
          at(-DAY),
          invitation.expires,
          'accepted' in invitation ? invitation.accepted : null,
          'revoked' in invitation ? invitation.revoked : null,
        ],
      );
    }

    const tokens = { expired: [newId('rt'), at(-SECOND)], live: [newId('rt'), at(DAY)] };
    for (const [id, expiresAt] of Object.values(tokens)) {
      await context.db.query(
        `INSERT INTO refresh_tokens (id, user_id, agency_id, family_id, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [id, tenant.userId, tenant.agencyId, newId('fam'), sha256Hex(id as string), expiresAt],
      );
    }

    const attempt = (label: string) => sha256Hex(`${tenant.userId}-attempt-${label}`);
    const attempts = {
      failedTwoDaysAgo: [attempt('old'), at(-2 * DAY), null, null],
      failedAnHourAgo: [attempt('recent'), at(-3600 * SECOND), null, null],
      oldFailureStillLocked: [attempt('locked'), at(-2 * DAY), at(SECOND), null],
      signedInTenDaysAgo: [attempt('known'), null, null, at(-10 * DAY)],
      signedInLongAgo: [attempt('forgotten'), null, null, at(-31 * DAY)],
    };
    for (const [key, failedAt, lockedUntil, signedInAt] of Object.values(attempts)) {
      await context.db.query(
        `INSERT INTO login_attempts (account_key, address, failures, last_failed_at, locked_until, signed_in_at)
         VALUES ($1, '192.0.2.1', $2, $3, $4, $5)`,
        [key, failedAt === null ? 0 : 3, failedAt, lockedUntil, signedInAt],
      );
    }

    const pruned = await pruneExpiredCredentials({ db: context.db, now: NOW });

    expect(pruned).toEqual({ passwordResets: 1, invitations: 3, refreshTokens: 1, loginAttempts: 2 });
    expect(
      await remaining(
        'password_resets',
        'token_hash',
        Object.values(resets).map(([hash]) => hash as string),
      ),
    ).toEqual([resets.pending[0], resets.usedStillValid[0]].sort());
    expect(
      await remaining(
        'invitations',
        'id',
        Object.values(invitations).map((invitation) => invitation.id),
      ),
    ).toEqual([invitations.pending.id]);
    expect(await remaining('refresh_tokens', 'id', [tokens.expired[0], tokens.live[0]] as string[])).toEqual([
      tokens.live[0],
    ]);
    expect(
      await remaining(
        'login_attempts',
        'account_key',
        Object.values(attempts).map(([key]) => key as string),
      ),
    ).toEqual(
      [attempts.failedAnHourAgo[0], attempts.oldFailureStillLocked[0], attempts.signedInTenDaysAgo[0]].sort(),
    );
  });

  it('deletes nothing when nothing is finished', async () => {
    expect(
      await pruneExpiredCredentials({ db: context.db, now: Date.parse('1990-01-01T00:00:00Z') }),
    ).toEqual({
      passwordResets: 0,
      invitations: 0,
      refreshTokens: 0,
      loginAttempts: 0,
    });
  });
});
