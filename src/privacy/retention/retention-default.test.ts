import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { migrate, readMigrations } from '../../db/migrate.ts';
import { createPool } from '../../db/pool.ts';

// A schema of its own, migrated up to 019, then given a site, then migrated on: an upgrade.
const schema = `retention_upgrade_${randomBytes(4).toString('hex')}`;
const admin = createPool({ connectionString: inject('databaseUrl'), max: 1 });
const db = createPool({ connectionString: inject('databaseUrl'), max: 1, settings: { search_path: schema } });
afterAll(async () => {
  await db.end();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

describe('migration 018 (retention)', () => {
  it('keeps the retention of existing sites, audits that, and gives new sites 90 days', async () => {
    await admin.query(`CREATE SCHEMA ${schema}`);
    const migrations = await readMigrations();
    await migrate(
      db,
      migrations.filter((migration) => migration.version < 18),
    );
    await db.query("INSERT INTO agencies (id, name) VALUES ('agency_1', 'Upgraded')");
    const insertSite = (id: string) =>
      db.query(
        `INSERT INTO sites (id, agency_id, name, domain, site_key, write_key_prefix, write_key_hash)
         VALUES ($1, 'agency_1', 'Shop', 'shop.example', $1, 'wk_', $1)`,
        [id],
      );
    await insertSite('site_default');
    await insertSite('site_chosen');
    await db.query("UPDATE sites SET retention_days = 30 WHERE id = 'site_chosen'");

    await migrate(db, migrations);
    await insertSite('site_new');

    const { rows: sites } = await db.query(
      'SELECT id, retention_days, events_kept_from FROM sites ORDER BY id',
    );
    expect(sites).toEqual([
      { id: 'site_chosen', retention_days: 30, events_kept_from: null },
      { id: 'site_default', retention_days: 395, events_kept_from: null },
      { id: 'site_new', retention_days: 90, events_kept_from: null },
    ]);
    const { rows: audit } = await db.query(
      `SELECT actor_type, action, target_id, details FROM audit_log WHERE agency_id = 'agency_1' ORDER BY target_id`,
    );
    expect(audit).toEqual([
      {
        actor_type: 'system',
        action: 'site.retention_kept',
        target_id: 'site_chosen',
        details: { retentionDays: 30, newSiteDefault: 90 },
      },
      {
        actor_type: 'system',
        action: 'site.retention_kept',
        target_id: 'site_default',
        details: { retentionDays: 395, newSiteDefault: 90 },
      },
    ]);
  });
});
