import type { Pool, PoolClient } from '../db/pool.ts';
import type { PubSub } from '../state/interface.ts';
import { hotLeadEvent, hotLeadWebhookPayload, liveChannel, type HotLead } from './hot-lead-notification.ts';
import { intentPatternRegex, parseIntentPatterns, type IntentPattern } from './intent-patterns.ts';
import {
  DEFAULT_SCORE_WEIGHTS,
  scoreCompany,
  type CompanyScore,
  type LeadStatus,
  type ScoreInputs,
  type ScoreWeights,
} from './score.ts';

/** Every company is rescored at least this often, so scores decay while nobody visits. */
export const RESCORE_EVERY_MS = 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface RescoreResult {
  scored: number;
  statusChanges: number;
  turnedHot: number;
}

interface Candidate {
  id: string;
  site_id: string;
  domain: string;
  name: string | null;
  country: string | null;
  last_seen_at: Date;
  lead_status: LeadStatus;
  scored_at: Date | null;
  touch_seq: number;
  hidden: boolean;
  site_name: string;
  site_domain: string;
  timezone: string;
  intent_patterns: unknown;
}

interface Activity {
  sessions: number;
  active_days: number;
  visitors: number;
  pageviews: number;
  seconds: number;
}

interface Scored {
  company: Candidate;
  result: CompanyScore;
  visitors: number;
  activeDays: number;
}

/**
 * Rescores the companies that changed since they were last scored and those not scored for a day
 * (decay), a page at a time; records every lead-status change; for a company that turns hot (and is
 * not hidden), queues a webhook delivery per configured URL in the same transaction and, after the
 * commit, publishes on the site's live channel.
 *
 * One scorer at a time: two at once would both record a status change and queue its webhooks.
 * The job runner runs it as an exclusive job (one instance at a time, src/jobs/catalog.ts). Company
 * rows are locked only by the final UPDATE, so ingestion never waits for the aggregates. A change
 * committed while this runs raises touch_seq past the scored_seq written here, so it is scored
 * next time.
 */
export async function rescoreCompanies({
  db,
  pubsub,
  now = () => new Date(),
  limit = 200,
  siteId,
  weights = DEFAULT_SCORE_WEIGHTS,
  log,
}: {
  db: Pool;
  pubsub: Pick<PubSub, 'publish'>;
  now?: () => Date;
  limit?: number;
  /** Rescore one site only (tests, or after its intent patterns change). */
  siteId?: string;
  weights?: ScoreWeights;
  log?: { error(object: object, message: string): void };
}): Promise<RescoreResult> {
  const at = now();
  const client = await db.connect();
  let hotLeads: HotLead[] = [];
  let result: RescoreResult;
  try {
    await client.query('BEGIN');
    const candidates = await selectCandidates(client, { at, limit, siteId });
    const scored: Scored[] = [];
    for (const companies of groupBySite(candidates)) {
      scored.push(...(await scoreSite(client, companies, weights, at)));
    }
    const changes = scored.filter(
      ({ company, result }) => company.scored_at === null || result.status !== company.lead_status,
    );
    // Turning hot: a change whose new status is hot (a first classification counts). Hidden
    // companies (the client's own, partners) change status silently.
    hotLeads = changes
      .filter(({ company, result }) => result.status === 'hot' && !company.hidden)
      .map(({ company, result }) => ({
        site: { id: company.site_id, name: company.site_name, domain: company.site_domain },
        company: {
          id: company.id,
          domain: company.domain,
          name: company.name,
          country: company.country,
          score: result.score,
        },
        previousStatus: company.scored_at === null ? null : company.lead_status,
        breakdown: result.breakdown,
        at,
      }));
    await saveScores(client, scored, at);
    await recordStatusChanges(client, changes, at);
    await queueWebhooks(client, hotLeads);
    await client.query('COMMIT');
    result = {
      scored: scored.length,
      statusChanges: changes.length,
      turnedHot: hotLeads.length,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  // The live channel is a courtesy to open dashboards; the webhook outbox is the durable notice.
  for (const lead of hotLeads) {
    await pubsub
      .publish(liveChannel(lead.site.id), hotLeadEvent(lead))
      .catch((error: unknown) =>
        log?.error({ err: error, siteId: lead.site.id }, 'could not publish a hot lead'),
      );
  }
  return result;
}

async function selectCandidates(
  client: PoolClient,
  { at, limit, siteId }: { at: Date; limit: number; siteId: string | undefined },
): Promise<Candidate[]> {
  const { rows } = await client.query<Candidate>(
    `WITH due AS (
       (SELECT id, 0 AS priority FROM companies
        WHERE touch_seq > scored_seq AND ($3::text IS NULL OR site_id = $3) LIMIT $2)
       UNION ALL
       (SELECT id, 1 FROM companies
        WHERE scored_at < $1 AND ($3::text IS NULL OR site_id = $3) ORDER BY scored_at LIMIT $2)
     )
     SELECT DISTINCT ON (c.id) c.id, c.site_id, c.domain, c.name, c.country, c.last_seen_at, c.lead_status,
       c.scored_at, c.touch_seq, c.hidden, s.name AS site_name, s.domain AS site_domain, s.timezone,
       s.intent_patterns
     FROM due JOIN companies c ON c.id = due.id
     JOIN sites s ON s.id = c.site_id AND s.deleted_at IS NULL
     ORDER BY c.id, due.priority
     LIMIT $2`,
    [new Date(at.getTime() - RESCORE_EVERY_MS), limit, siteId ?? null],
  );
  return rows;
}

function groupBySite(candidates: Candidate[]): Candidate[][] {
  const bySite = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const group = bySite.get(candidate.site_id);
    if (group) group.push(candidate);
    else bySite.set(candidate.site_id, [candidate]);
  }
  return [...bySite.values()];
}

/**
 * The score inputs of one site's companies, from its sessions and their events in the scoring
 * window, then the scores. Sessions are a company's when they carry its domain; bots never count.
 */
async function scoreSite(
  client: PoolClient,
  companies: Candidate[],
  weights: ScoreWeights,
  at: Date,
): Promise<Scored[]> {
  const site = companies[0]!;
  const since = new Date(at.getTime() - Math.max(1, weights.windowDays) * DAY_MS);
  const patterns: IntentPattern[] = parseIntentPatterns(site.intent_patterns);
  const sessionsOf = `
    company AS (SELECT * FROM unnest($2::text[], $3::text[]) AS c(id, domain)),
    session AS (
      SELECT company.id AS company_id, s.id, s.started_at, s.visitor_id, s.pageviews, s.duration_s
      FROM company JOIN sessions s ON s.site_id = $1 AND s.company_domain = company.domain
      WHERE s.started_at >= $4 AND NOT s.is_bot
    )`;
  const params = [site.site_id, companies.map((c) => c.id), companies.map((c) => c.domain), since];
  const activity = await client.query<Activity & { company_id: string }>(
    `WITH ${sessionsOf},
       zone AS (SELECT COALESCE((SELECT name FROM pg_timezone_names WHERE name = $5 LIMIT 1), 'UTC') AS name)
     SELECT company_id, count(*)::int AS sessions,
       count(DISTINCT (started_at AT TIME ZONE (SELECT name FROM zone))::date)::int AS active_days,
       count(DISTINCT visitor_id)::int AS visitors,
       COALESCE(sum(pageviews), 0)::int AS pageviews, COALESCE(sum(duration_s), 0)::int AS seconds
     FROM session GROUP BY company_id`,
    [...params, site.timezone],
  );
  // An event is received no earlier than its session started, so `since` also bounds received_at,
  // which keeps the scan to the window's partitions.
  const conversions = await client.query<{ company_id: string; conversions: number }>(
    `WITH ${sessionsOf}
     SELECT session.company_id, count(*)::int AS conversions
     FROM session JOIN events e ON e.site_id = $1 AND e.session_id = session.id AND e.received_at >= $4
     WHERE e.type = 'event' AND left(e.name, 1) <> '$'
     GROUP BY session.company_id`,
    params,
  );
  const intent =
    patterns.length === 0
      ? { rows: [] }
      : await client.query<{ company_id: string; position: number; pageviews: number }>(
          `WITH ${sessionsOf}
           SELECT session.company_id, p.position::int AS position, count(*)::int AS pageviews
           FROM session JOIN events e ON e.site_id = $1 AND e.session_id = session.id AND e.received_at >= $4
           JOIN unnest($5::text[]) WITH ORDINALITY AS p(pattern, position) ON e.path ~* p.pattern
           WHERE e.type = 'pageview'
           GROUP BY session.company_id, p.position`,
          [...params, patterns.map((pattern) => intentPatternRegex(pattern.pattern))],
        );

  const activityOf = new Map(activity.rows.map((row) => [row.company_id, row]));
  const conversionsOf = new Map(conversions.rows.map((row) => [row.company_id, row.conversions]));
  const hitsOf = new Map<string, ScoreInputs['intentHits'][number][]>();
  for (const row of [...intent.rows].sort((a, b) => a.position - b.position)) {
    const pattern = patterns[row.position - 1];
    if (pattern === undefined) continue;
    hitsOf.set(row.company_id, [
      ...(hitsOf.get(row.company_id) ?? []),
      { ...pattern, pageviews: row.pageviews },
    ]);
  }
  return companies.map((company) => {
    const seen = activityOf.get(company.id);
    const inputs: ScoreInputs = {
      lastSeenAt: company.last_seen_at,
      sessions: seen?.sessions ?? 0,
      activeDays: seen?.active_days ?? 0,
      pageviews: seen?.pageviews ?? 0,
      timeOnSiteSeconds: seen?.seconds ?? 0,
      intentHits: hitsOf.get(company.id) ?? [],
      conversions: conversionsOf.get(company.id) ?? 0,
    };
    return {
      company,
      result: scoreCompany(inputs, weights, at),
      visitors: seen?.visitors ?? 0,
      activeDays: seen?.active_days ?? 0,
    };
  });
}

async function saveScores(client: PoolClient, scored: Scored[], at: Date): Promise<void> {
  if (scored.length === 0) return;
  // Ordered by id so concurrent writers (ingestion's upsert) meet the row locks in one order.
  const ordered = [...scored].sort((a, b) => (a.company.id < b.company.id ? -1 : 1));
  await client.query(
    `UPDATE companies c SET score = u.score, lead_status = u.status, score_breakdown = u.breakdown,
       visitors = u.visitors, active_days = u.active_days, scored_at = $8, scored_seq = u.seq
     FROM unnest($1::text[], $2::integer[], $3::text[], $4::jsonb[], $5::integer[], $6::integer[], $7::bigint[])
       AS u(id, score, status, breakdown, visitors, active_days, seq)
     WHERE c.id = u.id`,
    [
      ordered.map((s) => s.company.id),
      ordered.map((s) => s.result.score),
      ordered.map((s) => s.result.status),
      ordered.map((s) => JSON.stringify(s.result.breakdown)),
      ordered.map((s) => s.visitors),
      ordered.map((s) => s.activeDays),
      ordered.map((s) => s.company.touch_seq),
      at,
    ],
  );
}

async function recordStatusChanges(client: PoolClient, changes: Scored[], at: Date): Promise<void> {
  if (changes.length === 0) return;
  await client.query(
    `INSERT INTO company_status_changes (site_id, company_id, from_status, to_status, score, changed_at)
     SELECT site_id, company_id, from_status, to_status, score, $6
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::integer[])
       AS u(site_id, company_id, from_status, to_status, score)`,
    [
      changes.map((s) => s.company.site_id),
      changes.map((s) => s.company.id),
      changes.map((s) => (s.company.scored_at === null ? null : s.company.lead_status)),
      changes.map((s) => s.result.status),
      changes.map((s) => s.result.score),
      at,
    ],
  );
}

/**
 * A delivery of the hot-lead notification to each enabled webhook destination of the lead's site,
 * in the transaction that records the status change, so a crash cannot lose the notice.
 */
async function queueWebhooks(client: PoolClient, leads: HotLead[]): Promise<void> {
  if (leads.length === 0) return;
  await client.query(
    `INSERT INTO deliveries (site_id, destination_id, destination_type, payload, next_attempt_at)
     SELECT d.site_id, d.id, 'webhook', u.payload, $3
     FROM unnest($1::text[], $2::jsonb[]) AS u(site_id, payload)
     JOIN destinations d ON d.site_id = u.site_id AND d.type = 'webhook' AND d.enabled`,
    [
      leads.map((lead) => lead.site.id),
      leads.map((lead) => JSON.stringify(hotLeadWebhookPayload(lead))),
      leads[0]!.at,
    ],
  );
}
