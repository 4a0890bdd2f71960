import { describe, expect, it } from 'vitest';
import { XSS } from '../../test/dashboard-browser.ts';
import { createTenant, useTestApp, type TestTenant } from '../../test/helpers.ts';
import { PNG_1PX } from '../../test/images.ts';
import { createJobRunner } from '../jobs/runner.ts';
import { createMemoryMailer, type Mailer, type MailMessage } from '../tenancy/mailer.ts';
import { escapeHtml } from './report-mail.ts';
import { queueDueReports } from './queue-due-reports.ts';
import { clientReportJobs } from './send-report-mails.ts';

const context = useTestApp();
const PUBLIC_URL = 'https://beacon.test.example';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A clock the test moves; it starts two days ahead, so the week before then ended after the schedule began. */
function testClock() {
  const clock = { at: Date.now() + 2 * DAY, now: () => new Date(clock.at) };
  return clock;
}

/** The ISO weekday (1 Monday … 7 Sunday) of an instant in UTC, the test sites' zone. */
const isoWeekday = (at: number) => ((new Date(at).getUTCDay() + 6) % 7) + 1;
const isoDay = (at: number) => new Date(at).toISOString().slice(0, 10);

async function scheduledSite(options: { name?: string; recipients: string[]; weekday: number }) {
  const tenant: TestTenant = await createTenant(context);
  const created = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: tenant.auth,
    payload: { name: options.name ?? 'Shop', domain: 'shop.example' },
  });
  expect(created.statusCode, created.body).toBe(201);
  const siteId: string = created.json().id;
  const settings = await context.app.inject({
    method: 'PATCH',
    url: `/api/sites/${siteId}/report/settings`,
    headers: tenant.auth,
    payload: { frequency: 'weekly', weekday: options.weekday, recipients: options.recipients },
  });
  expect(settings.statusCode, settings.body).toBe(200);
  return { tenant, siteId };
}

/** A runner of the report jobs for one site, as an instance of Beacon runs them, on the test's clock. */
function reportRunner(siteId: string, clock: { now: () => Date }, mailer: Mailer) {
  const jobs = clientReportJobs(
    { db: context.db, mailer, publicUrl: PUBLIC_URL, log: { warn: () => undefined } },
    { siteId },
  );
  const errors: unknown[] = [];
  const runner = createJobRunner({
    db: context.db,
    // The schedule's row is this test's own: another file's runner must not take its turn.
    catalog: {
      periodic: [{ ...jobs.periodic, name: `queue_client_reports_${siteId}` }],
      queues: [jobs.queue],
    },
    log: { error: (object) => void errors.push(object) },
    now: clock.now,
    random: () => 0.5,
  });
  return Object.assign(runner, { errors });
}

/**
 * One turn of the runners: the periodic job queues what is due, then, the queue's poll interval
 * later on the test's clock, the mails go out.
 */
async function turn(clock: { at: number }, ...runners: Array<{ runDue(): Promise<void> }>) {
  await Promise.all(runners.map((runner) => runner.runDue()));
  clock.at += 10_000;
  await Promise.all(runners.map((runner) => runner.runDue()));
}

const recipientsOf = (sent: readonly MailMessage[]) => sent.map((mail) => mail.to).sort();

describe('client report mails', () => {
  it('mails each recipient the week once, across runs, instances and restarts', async () => {
    const clock = testClock();
    const { siteId } = await scheduledSite({
      recipients: ['a@client.example', 'b@client.example'],
      weekday: isoWeekday(clock.at),
    });
    const { mailer, sent } = createMemoryMailer();
    const first = reportRunner(siteId, clock, mailer);
    const second = reportRunner(siteId, clock, mailer);
    await turn(clock, first, second);
    expect(recipientsOf(sent)).toEqual(['a@client.example', 'b@client.example']);
    expect(sent[0]!.subject).toMatch(/^Weekly report for Shop: /);
    expect(sent[0]!.text).toContain(`from=${isoDay(clock.at - 7 * DAY)}&to=${isoDay(clock.at - DAY)}`);

    // Later the same week, and a restarted instance: nothing new.
    clock.at += 3 * DAY;
    const restarted = reportRunner(siteId, clock, mailer);
    await turn(clock, restarted);
    expect(sent).toHaveLength(2);

    // The next week's turn.
    clock.at += 4 * DAY;
    await turn(clock, restarted);
    expect(sent).toHaveLength(4);
    expect(sent[2]!.text).toContain(`from=${isoDay(clock.at - 7 * DAY)}&to=${isoDay(clock.at - DAY)}`);
    expect([...first.errors, ...second.errors, ...restarted.errors]).toEqual([]);
    const { rows } = await context.db.query(
      `SELECT period_start::text, status, attempts FROM report_mails WHERE site_id = $1 ORDER BY id`,
      [siteId],
    );
    expect(rows.map((row) => [row.status, row.attempts])).toEqual([
      ['done', 1],
      ['done', 1],
      ['done', 1],
      ['done', 1],
    ]);
  });

  it('queues a period once when instances queue it at the same moment', async () => {
    const clock = testClock();
    const { siteId } = await scheduledSite({
      recipients: ['a@client.example'],
      weekday: isoWeekday(clock.at),
    });
    const results = await Promise.all(
      Array.from({ length: 4 }, () => queueDueReports({ db: context.db, now: clock.now, siteIds: [siteId] })),
    );
    expect(results.reduce((sum, result) => sum + result.queuedPeriods, 0)).toBe(1);
    const { rows } = await context.db.query(
      'SELECT count(*)::int AS mails FROM report_mails WHERE site_id = $1',
      [siteId],
    );
    expect(rows[0]!.mails).toBe(1);
  });

  it('sends nothing for a period that ended before the schedule was switched on', async () => {
    const clock = { now: () => new Date() };
    const { siteId } = await scheduledSite({
      recipients: ['a@client.example'],
      weekday: isoWeekday(Date.now()),
    });
    const { mailer, sent } = createMemoryMailer();
    await reportRunner(siteId, clock, mailer).runDue();
    const { rows } = await context.db.query(
      'SELECT count(*)::int AS periods FROM report_periods WHERE site_id = $1',
      [siteId],
    );
    expect(rows[0]!.periods).toBe(0);
    expect(sent).toEqual([]);
  });

  it('retries only the recipient whose mail failed', async () => {
    const clock = testClock();
    const { siteId } = await scheduledSite({
      recipients: ['ok@client.example', 'flaky@client.example'],
      weekday: isoWeekday(clock.at),
    });
    const memory = createMemoryMailer();
    let failures = 1;
    const flaky: Mailer = {
      delivers: true,
      async send(message) {
        if (message.to === 'flaky@client.example' && failures-- > 0) throw new Error('451 try again later');
        await memory.mailer.send(message);
      },
    };
    const runner = reportRunner(siteId, clock, flaky);
    await turn(clock, runner);
    expect(recipientsOf(memory.sent)).toEqual(['ok@client.example']);
    const { rows } = await context.db.query(
      "SELECT last_error FROM report_mails WHERE site_id = $1 AND recipient = 'flaky@client.example'",
      [siteId],
    );
    expect(rows[0]!.last_error).toContain('451 try again later');
    clock.at += 2 * MINUTE;
    await runner.runDue();
    expect(recipientsOf(memory.sent)).toEqual(['flaky@client.example', 'ok@client.example']);
  });

  it('sends a claim whose instance died mid-send once its lease has run out, and the dead one records nothing', async () => {
    const clock = testClock();
    const { siteId } = await scheduledSite({
      recipients: ['a@client.example'],
      weekday: isoWeekday(clock.at),
    });
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const sending = new Promise<void>((resolve) => (started = resolve));
    const hanging: Mailer = {
      delivers: true,
      send: async () => {
        started();
        await stuck;
      },
    };
    const dying = reportRunner(siteId, clock, hanging);
    await dying.runDue();
    clock.at += 10_000;
    const dyingSend = dying.runDue();
    await sending;

    const { mailer, sent } = createMemoryMailer();
    const survivor = reportRunner(siteId, clock, mailer);
    await survivor.runDue();
    expect(sent).toEqual([]);
    clock.at += 6 * MINUTE;
    await survivor.runDue();
    expect(recipientsOf(sent)).toEqual(['a@client.example']);

    release();
    await dyingSend;
    const { rows } = await context.db.query('SELECT status, attempts FROM report_mails WHERE site_id = $1', [
      siteId,
    ]);
    expect(rows).toEqual([{ status: 'done', attempts: 2 }]);
  });

  it('cancels a queued mail whose recipient was removed or whose schedule was switched off', async () => {
    const clock = testClock();
    const { tenant, siteId } = await scheduledSite({
      recipients: ['stays@client.example', 'leaves@client.example'],
      weekday: isoWeekday(clock.at),
    });
    await queueDueReports({ db: context.db, now: clock.now, siteIds: [siteId] });
    await context.app.inject({
      method: 'PATCH',
      url: `/api/sites/${siteId}/report/settings`,
      headers: tenant.auth,
      payload: { recipients: ['stays@client.example'] },
    });
    const { mailer, sent } = createMemoryMailer();
    await turn(clock, reportRunner(siteId, clock, mailer));
    expect(recipientsOf(sent)).toEqual(['stays@client.example']);
    const { rows } = await context.db.query(
      "SELECT status, last_error FROM report_mails WHERE site_id = $1 AND recipient = 'leaves@client.example'",
      [siteId],
    );
    expect(rows[0]).toEqual({ status: 'cancelled', last_error: 'the recipient was removed from the report' });
  });

  it('escapes a stored XSS string in the mail and shows the agency’s logo under the public URL', async () => {
    const clock = testClock();
    const { tenant, siteId } = await scheduledSite({
      name: XSS,
      recipients: ['a@client.example'],
      weekday: isoWeekday(clock.at),
    });
    await context.app.inject({
      method: 'PATCH',
      url: '/api/agency/branding',
      headers: tenant.auth,
      payload: { displayName: `Agency ${XSS}` },
    });
    const logo = await context.app.inject({
      method: 'POST',
      url: '/api/agency/branding/logo',
      headers: tenant.auth,
      payload: { image: PNG_1PX.toString('base64') },
    });
    const { mailer, sent } = createMemoryMailer();
    const runner = reportRunner(siteId, clock, mailer);
    await turn(clock, runner);
    expect(sent).toHaveLength(1);
    const { html, text } = sent[0]!;
    expect(html).toBeDefined();
    expect(html).not.toContain(XSS);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(escapeHtml(`Agency ${XSS}`));
    expect(html).toContain(
      `<h1 style="margin:4px 0 0;font-size:20px;color:#111827;">${escapeHtml(XSS)}</h1>`,
    );
    expect(html).toContain(`src="${PUBLIC_URL}${logo.json().logoUrl}"`);
    expect(html).toContain(`href="${PUBLIC_URL}/sites/${siteId}/report?from=`);
    expect(text).toContain(`${PUBLIC_URL}/sites/${siteId}/report?from=`);
  });

  it('records a mail without a mail server as not sent, saying why', async () => {
    const clock = testClock();
    const { siteId } = await scheduledSite({
      recipients: ['a@client.example'],
      weekday: isoWeekday(clock.at),
    });
    const warnings: string[] = [];
    const unconfigured: Mailer = {
      delivers: false,
      send: async (message) => void warnings.push(message.withoutMail),
    };
    const runner = reportRunner(siteId, clock, unconfigured);
    await turn(clock, runner);
    expect(warnings).toEqual([expect.stringContaining(`${PUBLIC_URL}/sites/${siteId}/report?from=`)]);
    const { rows } = await context.db.query(
      'SELECT status, last_error FROM report_mails WHERE site_id = $1',
      [siteId],
    );
    expect(rows).toEqual([{ status: 'cancelled', last_error: 'no mail server is configured (SMTP_URL)' }]);
  });
});
