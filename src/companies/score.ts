/**
 * The engagement score (docs/scoring.md): five factors, each worth up to its maximum, summed to a
 * score from 0 to 100. Pure: the inputs come from SQL aggregates (rescore-companies.ts), `now` from
 * the caller, so the same numbers always give the same score and the same explanation.
 */

export type LeadStatus = 'hot' | 'warm' | 'cold';
export type ScoreFactor = 'recency' | 'frequency' | 'depth' | 'intent' | 'conversions';

export const HOT_AT = 70;
export const WARM_AT = 40;

/** What the score is computed from. Activity counts cover the scoring window (weights.windowDays). */
export interface ScoreInputs {
  /** The company's latest visit; null when none is known. */
  lastSeenAt: Date | null;
  sessions: number;
  /** Calendar days (in the site's time zone) with at least one session. */
  activeDays: number;
  pageviews: number;
  timeOnSiteSeconds: number;
  /** The site's high-intent patterns the company's pages matched, with how many page views did. */
  intentHits: ReadonlyArray<{ pattern: string; weight: number; pageviews: number }>;
  /** Custom events (not Beacon's own `$…` events). */
  conversions: number;
}

export interface ScoreWeights {
  /** Activity older than this many days no longer counts (recency looks at the last visit only). */
  windowDays: number;
  recency: { max: number; halfLifeDays: number };
  frequency: { max: number; perSession: number; perActiveDay: number };
  depth: { max: number; perPageview: number; perMinute: number };
  /** Each matched pattern counts once, with its weight. */
  intent: { max: number };
  conversions: { max: number; perConversion: number };
}

export const DEFAULT_SCORE_WEIGHTS: ScoreWeights = {
  windowDays: 30,
  recency: { max: 25, halfLifeDays: 7 },
  frequency: { max: 20, perSession: 1, perActiveDay: 2 },
  depth: { max: 20, perPageview: 1, perMinute: 1 },
  intent: { max: 25 },
  conversions: { max: 10, perConversion: 5 },
};

export interface ScoreLine {
  factor: ScoreFactor;
  points: number;
  max: number;
  why: string;
}

export interface CompanyScore {
  score: number;
  status: LeadStatus;
  breakdown: ScoreLine[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A count as the scorer takes it: finite and not negative, else 0. */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

function capped(points: number, max: number): number {
  return Math.round(Math.min(Math.max(points, 0), count(max)));
}

const plural = (value: number, one: string, many = `${one}s`) => `${value} ${value === 1 ? one : many}`;

export function leadStatusOf(score: number): LeadStatus {
  if (score >= HOT_AT) return 'hot';
  if (score >= WARM_AT) return 'warm';
  return 'cold';
}

function recencyLine(lastSeenAt: Date | null, weights: ScoreWeights['recency'], now: Date): ScoreLine {
  const max = count(weights.max);
  const lastSeen = lastSeenAt instanceof Date ? lastSeenAt.getTime() : NaN;
  if (!Number.isFinite(lastSeen) || !Number.isFinite(now.getTime())) {
    return { factor: 'recency', points: 0, max, why: 'no visit recorded' };
  }
  // A last visit "in the future" (clock skew between instances) counts as now.
  const days = Math.max(0, (now.getTime() - lastSeen) / DAY_MS);
  const halfLife = count(weights.halfLifeDays) || 1;
  const points = capped(max * 0.5 ** (days / halfLife), max);
  const whole = Math.floor(days);
  const when = whole === 0 ? 'today' : `${plural(whole, 'day')} ago`;
  return {
    factor: 'recency',
    points,
    max,
    why: `last visit ${when}; halves every ${plural(halfLife, 'day')}`,
  };
}

/**
 * Scores a company. Missing, negative or non-numeric inputs count as nothing, so a broken aggregate
 * lowers a score rather than failing the job. `weights` defaults to DEFAULT_SCORE_WEIGHTS.
 */
export function scoreCompany(
  inputs: ScoreInputs,
  weights: ScoreWeights | undefined,
  now: Date,
): CompanyScore {
  const w = weights ?? DEFAULT_SCORE_WEIGHTS;
  const window = `in the last ${plural(count(w.windowDays), 'day')}`;
  const sessions = Math.floor(count(inputs.sessions));
  const activeDays = Math.floor(count(inputs.activeDays));
  const pageviews = Math.floor(count(inputs.pageviews));
  const seconds = count(inputs.timeOnSiteSeconds);
  const conversions = Math.floor(count(inputs.conversions));
  const hits = (Array.isArray(inputs.intentHits) ? inputs.intentHits : []).filter(
    (hit) => hit !== null && typeof hit === 'object' && count(hit.pageviews) > 0 && count(hit.weight) > 0,
  );

  const intentPoints = hits.reduce((sum, hit) => sum + count(hit.weight), 0);
  const minutes = Math.floor(seconds / 60);
  const breakdown: ScoreLine[] = [
    recencyLine(inputs.lastSeenAt, w.recency, now),
    {
      factor: 'frequency',
      points: capped(
        sessions * count(w.frequency.perSession) + activeDays * count(w.frequency.perActiveDay),
        w.frequency.max,
      ),
      max: count(w.frequency.max),
      why: `${plural(sessions, 'session')} on ${plural(activeDays, 'day')} ${window}`,
    },
    {
      factor: 'depth',
      points: capped(
        pageviews * count(w.depth.perPageview) + (seconds / 60) * count(w.depth.perMinute),
        w.depth.max,
      ),
      max: count(w.depth.max),
      why: `${plural(pageviews, 'page view')} and ${plural(minutes, 'minute')} on site ${window}`,
    },
    {
      factor: 'intent',
      points: capped(intentPoints, w.intent.max),
      max: count(w.intent.max),
      why:
        hits.length === 0
          ? `no high-intent pages ${window}`
          : `visited ${hits.map((hit) => `${hit.pattern} (+${count(hit.weight)})`).join(', ')}`,
    },
    {
      factor: 'conversions',
      points: capped(conversions * count(w.conversions.perConversion), w.conversions.max),
      max: count(w.conversions.max),
      why:
        conversions === 0 ? `no custom events ${window}` : `${plural(conversions, 'custom event')} ${window}`,
    },
  ];
  const score = Math.min(
    100,
    breakdown.reduce((sum, line) => sum + line.points, 0),
  );
  return { score, status: leadStatusOf(score), breakdown };
}
