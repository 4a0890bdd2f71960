/**
 * What Beacon's reports should answer, computed by plain TypeScript over the list of events a test
 * sent: a reference for test/analytics-reference.test.ts. It shares no code with src/analytics/ or
 * with ingestion; it follows the documented rules instead:
 *
 * - an eventId is stored once per site, the first one sent wins;
 * - a visitor's events form sessions in time order: a session ends after 30 minutes without an event
 *   (an event exactly 30 minutes later still continues it) or when an event brings a campaign other
 *   than the session's (UTM source/medium/campaign, else an ad click id kept under ads consent); the
 *   first event decides the session's source and whether it is a bot's; entry and exit pages are its
 *   first and last page views; it bounces with at most one page view or interaction (custom events
 *   but `$engagement…`);
 * - events count by when they happened, sessions by when they started, in the window; bots never;
 *   visitors are distinct visitor ids; a filter on a session dimension keeps whole sessions (and their
 *   events), a filter on an event dimension keeps matching events and the sessions holding one;
 * - a conversion is an event completing a goal (a custom event with a value when there are none), its
 *   amount set by the first goal it completes; revenue is per currency, never summed across them.
 *
 * Time zones come from the platform's Intl data, computed differently from Beacon's (a search for
 * each local midnight, a scan of 15-minute steps for local hours).
 */

export type EventType = 'pageview' | 'event' | 'identify';

export interface Utm {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  term: string | null;
  content: string | null;
}

/** One event as a test sent it, described by what it is (not by what Beacon stored). */
export interface SentEvent {
  eventId: string;
  type: EventType;
  name: string | null;
  /** When it happened (epoch ms): Beacon must find this from the client's `ts` and `sentAt`. */
  at: number;
  visitor: string;
  bot: boolean;
  path: string | null;
  hostname: string | null;
  /** The referrer as kept (normalised URL), its host without `www.` and the channel it makes. */
  referrer: string | null;
  referrerHost: string | null;
  channel: string;
  utm: Utm;
  /** An ad click id on the page URL that Beacon keeps (ads consent given), else null. */
  clickId: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  device: string | null;
  browser: string | null;
  browserVersion: string | null;
  os: string | null;
  osVersion: string | null;
  screen: string | null;
  language: string | null;
  props: Record<string, string | number | boolean> | null;
  /** A decimal amount as text (`49.5`), with at most two decimals. */
  value: string | null;
  currency: string | null;
  company: string | null;
}

export interface Goal {
  name: string;
  eventName: string | null;
  pagePattern: string | null;
  revenueProperty: string | null;
}

export interface Session {
  visitor: string;
  events: SentEvent[];
  startedAt: number;
  lastSeenAt: number;
  campaign: string | null;
  first: SentEvent;
  entry: string | null;
  exit: string | null;
  bounce: boolean;
  durationSeconds: number;
  company: string | null;
}

export interface SiteModel {
  timezone: string;
  goals: readonly Goal[];
  /** Lead status per company domain, as the companies capability keeps it. */
  leadStatus: ReadonlyMap<string, string>;
  events: SentEvent[];
  sessions: Session[];
  sessionOf: Map<SentEvent, Session>;
}

export const NONE = '(none)';
const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

/** The events a site keeps: the first of each eventId, in the order they were sent. */
export function storedEvents(sent: readonly SentEvent[]): SentEvent[] {
  const seen = new Set<string>();
  return sent.filter((event) => {
    if (seen.has(event.eventId)) return false;
    seen.add(event.eventId);
    return true;
  });
}

function campaignOf(event: SentEvent): string | null {
  const { source, medium, campaign } = event.utm;
  if (source !== null || medium !== null || campaign !== null) {
    return JSON.stringify([source, medium, campaign]);
  }
  return event.clickId === null ? null : `click ${event.clickId}`;
}

const isInteraction = (event: SentEvent) =>
  event.type === 'event' && !(event.name ?? '').startsWith('$engagement');

/** The sessions of a site's stored events, by the documented rule. */
export function sessionise(events: readonly SentEvent[]): Session[] {
  const byVisitor = new Map<string, SentEvent[]>();
  for (const event of events) {
    const list = byVisitor.get(event.visitor) ?? [];
    list.push(event);
    byVisitor.set(event.visitor, list);
  }
  const sessions: Session[] = [];
  for (const [visitor, list] of byVisitor) {
    // Stable: events of the same instant keep the order they were sent in.
    const ordered = [...list].sort((a, b) => a.at - b.at);
    let current: Session | undefined;
    for (const event of ordered) {
      const campaign = campaignOf(event);
      const continues =
        current !== undefined &&
        event.at - current.lastSeenAt <= SESSION_TIMEOUT_MS &&
        (campaign === null || campaign === current.campaign);
      if (!continues) {
        current = {
          visitor,
          events: [],
          startedAt: event.at,
          lastSeenAt: event.at,
          campaign,
          first: event,
          entry: null,
          exit: null,
          bounce: true,
          durationSeconds: 0,
          company: null,
        };
        sessions.push(current);
      }
      current!.events.push(event);
      current!.lastSeenAt = Math.max(current!.lastSeenAt, event.at);
    }
  }
  for (const session of sessions) {
    const pageviews = session.events.filter((event) => event.type === 'pageview');
    session.entry = pageviews[0]?.path ?? null;
    session.exit = pageviews.at(-1)?.path ?? null;
    session.bounce = pageviews.length + session.events.filter(isInteraction).length <= 1;
    session.durationSeconds = Math.round((session.lastSeenAt - session.startedAt) / 1000);
    session.company = session.events.find((event) => event.company !== null)?.company ?? null;
  }
  return sessions;
}

export function siteModel(input: {
  timezone: string;
  goals: readonly Goal[];
  leadStatus: ReadonlyMap<string, string>;
  sent: readonly SentEvent[];
}): SiteModel {
  const events = storedEvents(input.sent);
  const sessions = sessionise(events);
  const sessionOf = new Map<SentEvent, Session>();
  for (const session of sessions) for (const event of session.events) sessionOf.set(event, session);
  return {
    timezone: input.timezone,
    goals: input.goals,
    leadStatus: input.leadStatus,
    events,
    sessions,
    sessionOf,
  };
}

// ---------------------------------------------------------------------------------------------
// Local time

const formatters = new Map<string, Intl.DateTimeFormat>();

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(instant: number, timezone: string): Wall {
  let formatter = formatters.get(timezone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, formatter);
  }
  const parts = Object.fromEntries(
    formatter.formatToParts(new Date(instant)).map((part) => [part.type, part.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Minutes east of UTC at an instant. */
export function offsetAt(instant: number, timezone: string): number {
  const wall = wallClock(instant, timezone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60_000);
}

export function localDateOf(instant: number, timezone: string): string {
  const wall = wallClock(instant, timezone);
  return `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`;
}

/** `2026-10-25T02:00:00+01:00`: the local wall clock and the offset then. */
export function formatLocal(instant: number, timezone: string): string {
  const wall = wallClock(instant, timezone);
  const offset = offsetAt(instant, timezone);
  const sign = offset < 0 ? '-' : '+';
  return (
    `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}` +
    `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}

export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** The first instant of a local date: the earliest minute whose local date is not before it. */
export function startOfLocalDay(date: string, timezone: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const minute = 60_000;
  let low = Date.UTC(year, month - 1, day) / minute - 18 * 60;
  let high = Date.UTC(year, month - 1, day) / minute + 18 * 60;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (localDateOf(middle * minute, timezone) >= date) high = middle;
    else low = middle + 1;
  }
  return low * minute;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface Window {
  from: number;
  to: number;
  previous: { from: number; to: number };
}

/** A report's window from its `from` and `to`: whole local days (to included), or instants. */
export function windowOf(from: string, to: string, timezone: string): Window {
  if (DATE.test(from) && DATE.test(to)) {
    const start = startOfLocalDay(from, timezone);
    const end = startOfLocalDay(addDays(to, 1), timezone);
    const days = Math.round((Date.parse(addDays(to, 1)) - Date.parse(from)) / 86_400_000);
    return {
      from: start,
      to: end,
      previous: { from: startOfLocalDay(addDays(from, -days), timezone), to: start },
    };
  }
  const start = DATE.test(from) ? startOfLocalDay(from, timezone) : Date.parse(from);
  const end = DATE.test(to) ? startOfLocalDay(addDays(to, 1), timezone) : Date.parse(to);
  return { from: start, to: end, previous: { from: start - (end - start), to: start } };
}

export type Interval = 'hour' | 'day' | 'week' | 'month';

/** Where each bucket of a series starts: the window's start, then every local boundary in it. */
export function bucketStartsOf(
  window: { from: number; to: number },
  interval: Interval,
  timezone: string,
): number[] {
  const starts = [window.from];
  if (interval === 'hour') {
    const step = 15 * 60_000;
    const keyOf = (instant: number) => {
      const wall = wallClock(instant, timezone);
      return `${localDateOf(instant, timezone)} ${wall.hour} ${offsetAt(instant, timezone)}`;
    };
    let previous = keyOf(window.from);
    for (let instant = Math.floor(window.from / step) * step + step; instant < window.to; instant += step) {
      const key = keyOf(instant);
      if (key !== previous) starts.push(instant);
      previous = key;
    }
    return starts;
  }
  for (let date = addDays(localDateOf(window.from, timezone), 1); ; date = addDays(date, 1)) {
    const start = startOfLocalDay(date, timezone);
    if (start >= window.to) return starts;
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    const boundary = interval === 'day' || (interval === 'week' ? weekday === 1 : date.endsWith('-01'));
    if (boundary && start > window.from) starts.push(start);
  }
}

// ---------------------------------------------------------------------------------------------
// Filters and dimensions

export type Operator = 'is' | 'is_not' | 'contains' | 'matches';
export type Filter = [Operator, string, string[]];

const SESSION_DIMENSIONS = new Set([
  'entry_page',
  'exit_page',
  'referrer',
  'referrer_host',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'company',
  'lead_status',
]);

const isSessionDimension = (dimension: string) => SESSION_DIMENSIONS.has(dimension);

/** What `props ->> key` reads: text as it is, numbers and booleans written out. */
function propText(event: SentEvent, key: string): string | null {
  const value = event.props?.[key];
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function sessionValue(site: SiteModel, session: Session, dimension: string): string | null {
  const first = session.first;
  switch (dimension) {
    case 'entry_page':
      return session.entry;
    case 'exit_page':
      return session.exit;
    case 'referrer':
      return first.referrer;
    case 'referrer_host':
      return first.referrerHost;
    case 'channel':
      return first.channel;
    case 'utm_source':
    case 'utm_medium':
    case 'utm_campaign':
    case 'utm_term':
    case 'utm_content':
      return first.utm[dimension.slice(4) as keyof Utm];
    case 'company':
      return session.company;
    case 'lead_status':
      return session.company === null ? null : (site.leadStatus.get(session.company) ?? null);
  }
  throw new Error(`not a session dimension: ${dimension}`);
}

function eventValue(event: SentEvent, dimension: string): string | null {
  if (dimension.startsWith('prop:')) return propText(event, dimension.slice(5));
  switch (dimension) {
    case 'page':
      return event.path;
    case 'hostname':
      return event.hostname;
    case 'country':
      return event.country;
    case 'region':
      return event.region;
    case 'city':
      return event.city;
    case 'device':
      return event.device;
    case 'browser':
      return event.browser;
    case 'browser_version':
      return event.browserVersion;
    case 'os':
      return event.os;
    case 'os_version':
      return event.osVersion;
    case 'screen':
      return event.screen;
    case 'language':
      return event.language;
    case 'visitor_class':
      return event.bot ? 'bot' : null;
    case 'event':
      return event.type === 'event' ? event.name : null;
  }
  throw new Error(`not an event dimension: ${dimension}`);
}

/** ASCII letters only: what ILIKE folds in the C locale Beacon's databases use. */
const foldAscii = (text: string) => text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());

function wildcard(pattern: string): RegExp {
  const parts = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`^${parts.join('[\\s\\S]*')}$`, 'u');
}

export function valueMatches(operator: Operator, values: readonly string[], value: string | null): boolean {
  switch (operator) {
    case 'is':
      return values.some((wanted) => (wanted === NONE ? value === null : value === wanted));
    case 'is_not':
      return !valueMatches('is', values, value);
    case 'contains':
      return value !== null && values.some((part) => foldAscii(value).includes(foldAscii(part)));
    case 'matches':
      return value !== null && values.some((pattern) => wildcard(pattern).test(value));
  }
}

// ---------------------------------------------------------------------------------------------
// Metrics

export interface Metrics {
  visitors: number;
  sessions: number;
  pageviews: number;
  viewsPerSession: number;
  bounceRate: number;
  avgSessionSeconds: number;
  conversions: number;
  conversionRate: number;
  revenue: Record<string, number>;
}

export const EMPTY: Metrics = {
  visitors: 0,
  sessions: 0,
  pageviews: 0,
  viewsPerSession: 0,
  bounceRate: 0,
  avgSessionSeconds: 0,
  conversions: 0,
  conversionRate: 0,
  revenue: {},
};

/** part / whole rounded half up to `decimals`, computed on integers (no binary fractions). */
function ratio(part: number, whole: number, decimals: number): number {
  if (whole === 0) return 0;
  const scale = 10 ** decimals;
  return Math.floor((2 * part * scale + whole) / (2 * whole)) / scale;
}

function cents(amount: string): number {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount);
  if (match === null) throw new Error(`the reference model takes amounts of at most two decimals: ${amount}`);
  const value = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -value : value;
}

/** What a goal's revenue property holds when it is a plain number, else no amount. */
function amountOf(goal: Goal | undefined, event: SentEvent): string | null {
  if (goal === undefined || goal.revenueProperty === null) return event.value;
  const text = propText(event, goal.revenueProperty);
  return text !== null && /^-?[0-9]+(\.[0-9]+)?$/.test(text) ? text : null;
}

function completes(goal: Goal, event: SentEvent): boolean {
  if (goal.eventName !== null) return event.type === 'event' && event.name === goal.eventName;
  return (
    event.type === 'pageview' && event.path !== null && wildcard(goal.pagePattern ?? '').test(event.path)
  );
}

/** An event counted in a group: whether it converts and what it is worth there. */
interface Counted {
  event: SentEvent;
  converts: boolean;
  amount: string | null;
}

function conversionOf(site: SiteModel, event: SentEvent): Counted {
  if (site.goals.length === 0) {
    const converts = event.type === 'event' && event.value !== null;
    return { event, converts, amount: converts ? event.value : null };
  }
  const goal = site.goals.find((candidate) => completes(candidate, event));
  return { event, converts: goal !== undefined, amount: goal === undefined ? null : amountOf(goal, event) };
}

interface Group {
  key: string | null;
  events: Counted[];
  sessions: Session[];
}

/** Counts of a group, before they become rates; sorting needs them. */
interface Tally {
  visitors: number;
  convertedVisitors: number;
  pageviews: number;
  conversions: number;
  sessions: number;
  bounces: number;
  duration: number;
  revenue: Record<string, number>;
}

function tally(group: Group): Tally {
  const revenueCents = new Map<string, number>();
  for (const counted of group.events) {
    if (!counted.converts || counted.amount === null) continue;
    const currency = counted.event.currency ?? 'XXX';
    revenueCents.set(currency, (revenueCents.get(currency) ?? 0) + cents(counted.amount));
  }
  const revenue: Record<string, number> = {};
  for (const [currency, amount] of revenueCents) if (amount !== 0) revenue[currency] = amount / 100;
  return {
    visitors: new Set(group.events.map((counted) => counted.event.visitor)).size,
    convertedVisitors: new Set(group.events.filter((c) => c.converts).map((c) => c.event.visitor)).size,
    pageviews: group.events.filter((counted) => counted.event.type === 'pageview').length,
    conversions: group.events.filter((counted) => counted.converts).length,
    sessions: group.sessions.length,
    bounces: group.sessions.filter((session) => session.bounce).length,
    duration: group.sessions.reduce((sum, session) => sum + session.durationSeconds, 0),
    revenue,
  };
}

function metricsOf(counts: Tally, conversionBase: number): Metrics {
  return {
    visitors: counts.visitors,
    sessions: counts.sessions,
    pageviews: counts.pageviews,
    viewsPerSession: ratio(counts.pageviews, counts.sessions, 2),
    bounceRate: ratio(counts.bounces * 100, counts.sessions, 1),
    avgSessionSeconds: ratio(counts.duration, counts.sessions, 0),
    conversions: counts.conversions,
    conversionRate: ratio(counts.convertedVisitors * 100, conversionBase, 1),
    revenue: counts.revenue,
  };
}

// ---------------------------------------------------------------------------------------------
// Scope and reports

export interface Query {
  window: { from: number; to: number };
  filters?: readonly Filter[];
}

interface Scope {
  events: SentEvent[];
  sessions: Session[];
}

function scopeOf(site: SiteModel, query: Query): Scope {
  const filters = query.filters ?? [];
  const sessionFilters = filters.filter(([, dimension]) => isSessionDimension(dimension));
  const eventFilters = filters.filter(([, dimension]) => !isSessionDimension(dimension));
  const inWindow = (instant: number) => instant >= query.window.from && instant < query.window.to;
  const eventMatches = (event: SentEvent) =>
    eventFilters.every(([operator, dimension, values]) =>
      valueMatches(operator, values, eventValue(event, dimension)),
    );
  const sessionMatches = (session: Session) =>
    sessionFilters.every(([operator, dimension, values]) =>
      valueMatches(operator, values, sessionValue(site, session, dimension)),
    );
  return {
    events: site.events.filter(
      (event) =>
        !event.bot && inWindow(event.at) && eventMatches(event) && sessionMatches(site.sessionOf.get(event)!),
    ),
    sessions: site.sessions.filter(
      (session) =>
        !session.first.bot &&
        inWindow(session.startedAt) &&
        sessionMatches(session) &&
        (eventFilters.length === 0 || session.events.some((event) => !event.bot && eventMatches(event))),
    ),
  };
}

export function overview(site: SiteModel, query: Query): Metrics {
  const scope = scopeOf(site, query);
  const counts = tally({
    key: null,
    events: scope.events.map((event) => conversionOf(site, event)),
    sessions: scope.sessions,
  });
  return metricsOf(counts, counts.visitors);
}

export type SeriesMetric = keyof Metrics;
export const DEFAULT_SERIES_METRICS: SeriesMetric[] = [
  'visitors',
  'sessions',
  'pageviews',
  'conversions',
  'revenue',
];

export function timeseries(
  site: SiteModel,
  query: Query,
  interval: Interval,
  metrics: readonly SeriesMetric[] = DEFAULT_SERIES_METRICS,
): Array<Record<string, unknown>> {
  const scope = scopeOf(site, query);
  const starts = bucketStartsOf(query.window, interval, site.timezone);
  const bucketOf = (instant: number) => {
    let index = 0;
    while (index + 1 < starts.length && starts[index + 1]! <= instant) index += 1;
    return index;
  };
  const groups = starts.map((): Group => ({ key: null, events: [], sessions: [] }));
  for (const event of scope.events) groups[bucketOf(event.at)]!.events.push(conversionOf(site, event));
  for (const session of scope.sessions) groups[bucketOf(session.startedAt)]!.sessions.push(session);
  return groups.map((group, index) => {
    const counts = tally(group);
    const all = metricsOf(counts, counts.visitors);
    return {
      t: formatLocal(starts[index]!, site.timezone),
      ...Object.fromEntries(metrics.map((name) => [name, all[name]])),
    };
  });
}

/** Which events a breakdown by an event dimension counts. */
function countedTypes(dimension: string): EventType | undefined {
  if (dimension === 'page') return 'pageview';
  if (dimension === 'event' || dimension.startsWith('prop:')) return 'event';
  return undefined;
}

function groupsOf(
  site: SiteModel,
  scope: Scope,
  dimension: string,
): { groups: Group[]; scopeVisitors?: number } {
  const groups = new Map<string | null, Group>();
  const groupOf = (key: string | null) => {
    let group = groups.get(key);
    if (group === undefined) {
      group = { key, events: [], sessions: [] };
      groups.set(key, group);
    }
    return group;
  };
  const addSessionsOf = (keyed: Array<{ key: string | null; event: SentEvent }>) => {
    const inScope = new Set(scope.sessions);
    const added = new Set<string>();
    for (const { key, event } of keyed) {
      const session = site.sessionOf.get(event)!;
      const id = `${key}\u0000${site.sessions.indexOf(session)}`;
      if (!inScope.has(session) || added.has(id)) continue;
      added.add(id);
      groupOf(key).sessions.push(session);
    }
  };
  if (dimension === 'goal') {
    const keyed: Array<{ key: string | null; event: SentEvent }> = [];
    for (const event of scope.events) {
      for (const goal of site.goals) {
        if (!completes(goal, event)) continue;
        keyed.push({ key: goal.name, event });
        groupOf(goal.name).events.push({ event, converts: true, amount: amountOf(goal, event) });
      }
    }
    addSessionsOf(keyed);
    return {
      groups: [...groups.values()],
      scopeVisitors: new Set(scope.events.map((event) => event.visitor)).size,
    };
  }
  if (isSessionDimension(dimension)) {
    for (const event of scope.events) {
      groupOf(sessionValue(site, site.sessionOf.get(event)!, dimension)).events.push(
        conversionOf(site, event),
      );
    }
    for (const session of scope.sessions)
      groupOf(sessionValue(site, session, dimension)).sessions.push(session);
    return { groups: [...groups.values()] };
  }
  const type = countedTypes(dimension);
  const keyed = scope.events
    .filter((event) => type === undefined || event.type === type)
    .map((event) => ({ key: eventValue(event, dimension), event }));
  for (const { key, event } of keyed) groupOf(key).events.push(conversionOf(site, event));
  addSessionsOf(keyed);
  return { groups: [...groups.values()] };
}

export interface BreakdownRow extends Metrics {
  value: string;
  previous?: Metrics;
}

export interface BreakdownRequest {
  dimension: string;
  sort?: string;
  limit?: number;
  offset?: number;
  /** The previous window, for `compare=previous`. */
  previous?: { from: number; to: number };
}

/** PostgreSQL's "C" collation: the byte order of UTF-8, which is code point order. */
export function compareText(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A metric as a breakdown sorts by it: a fraction, or null where it divides by zero. */
function sortFraction(counts: Tally, metric: string): [number, number] | null {
  const fraction = (numerator: number, denominator: number): [number, number] | null =>
    denominator === 0 ? null : [numerator, denominator];
  switch (metric) {
    case 'visitors':
      return [counts.visitors, 1];
    case 'sessions':
      return [counts.sessions, 1];
    case 'pageviews':
      return [counts.pageviews, 1];
    case 'conversions':
      return [counts.conversions, 1];
    case 'viewsPerSession':
      return fraction(counts.pageviews, counts.sessions);
    case 'bounceRate':
      return fraction(counts.bounces, counts.sessions);
    case 'avgSessionSeconds':
      return fraction(counts.duration, counts.sessions);
    case 'conversionRate':
      return fraction(counts.convertedVisitors, counts.visitors);
  }
  throw new Error(`not a sortable metric: ${metric}`);
}

export function breakdown(
  site: SiteModel,
  query: Query,
  request: BreakdownRequest,
): { rows: BreakdownRow[]; total: number } {
  const { groups, scopeVisitors } = groupsOf(site, scopeOf(site, query), request.dimension);
  const counted = groups.map((group) => ({ key: group.key, counts: tally(group) }));
  const [metric = 'visitors', direction = 'desc'] = (request.sort ?? 'visitors:desc').split(':');
  const sign = direction === 'asc' ? 1 : -1;
  const byKey = (a: string | null, b: string | null) =>
    a === null ? (b === null ? 0 : 1) : b === null ? -1 : compareText(a, b);
  counted.sort((a, b) => {
    if (metric === 'value') {
      if (a.key === null || b.key === null) return byKey(a.key, b.key);
      return sign * compareText(a.key, b.key);
    }
    const x = sortFraction(a.counts, metric);
    const y = sortFraction(b.counts, metric);
    if (x === null || y === null) {
      if (x !== null) return -1;
      if (y !== null) return 1;
    } else {
      const difference = x[0] * y[1] - y[0] * x[1];
      if (difference !== 0) return sign * difference;
    }
    return byKey(a.key, b.key);
  });
  const offset = request.offset ?? 0;
  const page = counted.slice(offset, offset + (request.limit ?? 100));
  let previousOf: ((key: string | null) => Metrics) | undefined;
  if (request.previous !== undefined && page.length > 0) {
    const earlier = breakdown(
      site,
      { ...query, window: request.previous },
      { dimension: request.dimension, limit: 1e9 },
    );
    const rows = new Map(earlier.rows.map(({ value, ...metrics }) => [value, metrics]));
    previousOf = (key) => rows.get(key ?? NONE) ?? EMPTY;
  }
  return {
    rows: page.map(({ key, counts }) => ({
      value: key ?? NONE,
      ...metricsOf(counts, scopeVisitors ?? counts.visitors),
      ...(previousOf === undefined ? {} : { previous: previousOf(key) }),
    })),
    total: counted.length,
  };
}
