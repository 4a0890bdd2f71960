import type { GoalDefinition } from '../conversions.ts';
import {
  EVENT_DIMENSIONS,
  NONE,
  reportDimension,
  SESSION_DIMENSIONS,
  type RollupDimension,
} from './dimensions.ts';
import { goalMatcher, type Amount, type MatchableEvent } from './goal-matcher.ts';
import { SketchBuilder, type VisitorSketch } from './hll.ts';
import { RevenueTotals } from './revenue-totals.ts';
import { visitorEntry } from './visitor-entry.ts';

/** One event of the day (bots excluded), as the job reads it. */
export interface DayEvent extends MatchableEvent {
  visitor_id: string | null;
  session_id: string | null;
  currency: string | null;
  /** The instant its local hour began, epoch seconds. */
  hour: number;
  /** Its value of each of EVENT_DIMENSIONS, in that order. */
  event_values: ReadonlyArray<string | null>;
  /** Its session's value of each of SESSION_DIMENSIONS, in that order; null when it has no session row. */
  session_values: ReadonlyArray<string | null> | null;
}

/** One session that started on the day (bots excluded). */
export interface DaySession {
  id: string;
  /** The instant the local hour of its start began, epoch seconds. */
  hour: number;
  duration_s: number;
  is_bounce: boolean;
  /** Its value of each of SESSION_DIMENSIONS, in that order. */
  session_values: ReadonlyArray<string | null>;
}

/** A group's counts; visitors exact. */
export interface RollupCounts {
  visitors: number;
  sessions: number;
  pageviews: number;
  /** Custom events (type `event`). */
  events: number;
  bounces: number;
  duration_s: number;
  conversions: number;
  converted_visitors: number;
  /** JSON object of currency → exact amount. */
  revenue: string;
}

export interface DayRollup {
  total: RollupCounts & { sketch: VisitorSketch; convertedSketch: VisitorSketch };
  hours: Array<RollupCounts & { hour: number }>;
  values: Array<
    RollupCounts & {
      dimension: RollupDimension;
      value: string;
      entries: number;
      exits: number;
      sketch: VisitorSketch;
      convertedSketch: VisitorSketch;
    }
  >;
}

type EntryOf = (visitorId: string) => number;

class Group {
  private readonly visitors = new Set<string>();
  private readonly convertedVisitors = new Set<string>();
  private readonly sketch = new SketchBuilder();
  private readonly convertedSketch = new SketchBuilder();
  private readonly revenue = new RevenueTotals();
  /** For event dimensions and goals: the sessions its events belong to. */
  readonly sessionIds = new Set<string>();
  sessions = 0;
  pageviews = 0;
  events = 0;
  bounces = 0;
  duration_s = 0;
  conversions = 0;
  entries = 0;
  exits = 0;

  constructor(private readonly entryOf: EntryOf) {}

  addEvent(event: DayEvent, converts: boolean, amount: Amount | null) {
    if (event.type === 'pageview') this.pageviews += 1;
    else if (event.type === 'event') this.events += 1;
    const visitor = event.visitor_id;
    if (visitor !== null && !this.visitors.has(visitor)) {
      this.visitors.add(visitor);
      this.sketch.add(this.entryOf(visitor));
    }
    if (!converts) return;
    this.conversions += 1;
    if (amount !== null) this.revenue.add(event.currency, amount);
    if (visitor !== null && !this.convertedVisitors.has(visitor)) {
      this.convertedVisitors.add(visitor);
      this.convertedSketch.add(this.entryOf(visitor));
    }
  }

  addSession(session: DaySession) {
    this.sessions += 1;
    this.bounces += session.is_bounce ? 1 : 0;
    this.duration_s += session.duration_s;
  }

  counts(): RollupCounts {
    return {
      visitors: this.visitors.size,
      sessions: this.sessions,
      pageviews: this.pageviews,
      events: this.events,
      bounces: this.bounces,
      duration_s: this.duration_s,
      conversions: this.conversions,
      converted_visitors: this.convertedVisitors.size,
      revenue: this.revenue.toJson(),
    };
  }

  sketches() {
    return { sketch: this.sketch.toSketch(), convertedSketch: this.convertedSketch.toSketch() };
  }
}

/** Which events each event dimension counts: page views for `page`, custom events for `event`, else all. */
const EVENT_TYPE_OF = EVENT_DIMENSIONS.map((name) => reportDimension(name).events);
const ENTRY_PAGE = SESSION_DIMENSIONS.indexOf('entry_page');
const EXIT_PAGE = SESSION_DIMENSIONS.indexOf('exit_page');

/**
 * A day's roll-up from its events and the sessions that started on it, counted as
 * src/analytics/grouped-metrics.ts counts the day: visitors, page views, conversions and revenue on
 * the events, sessions, bounces and duration on the sessions. The total and each hour take every
 * event and session; an event dimension's value and a goal take the events that carry it (complete
 * it) and the sessions those events belong to; a session dimension's value takes the events whose
 * session has it and the sessions that have it. A page also counts the sessions that entered and
 * left on it (`entries`, `exits`), on the pages viewed that day.
 */
export function aggregateDay(
  events: Iterable<DayEvent>,
  sessions: Iterable<DaySession>,
  goals: readonly GoalDefinition[],
): DayRollup {
  const entries = new Map<string, number>();
  const entryOf: EntryOf = (visitorId) => {
    let entry = entries.get(visitorId);
    if (entry === undefined) {
      entry = visitorEntry(visitorId);
      entries.set(visitorId, entry);
    }
    return entry;
  };
  const matcher = goalMatcher(goals);
  const groupIn = <K>(groups: Map<K, Group>, key: K): Group => {
    let group = groups.get(key);
    if (group === undefined) {
      group = new Group(entryOf);
      groups.set(key, group);
    }
    return group;
  };
  const total = new Group(entryOf);
  const hours = new Map<number, Group>();
  const eventValues = EVENT_DIMENSIONS.map(() => new Map<string, Group>());
  const sessionValues = SESSION_DIMENSIONS.map(() => new Map<string, Group>());
  const goalValues = new Map<string, Group>();

  for (const event of events) {
    const { converts, amount } = matcher.conversion(event);
    total.addEvent(event, converts, amount);
    groupIn(hours, event.hour).addEvent(event, converts, amount);
    for (const [at, groups] of eventValues.entries()) {
      const only = EVENT_TYPE_OF[at];
      if (only !== undefined && event.type !== only) continue;
      const group = groupIn(groups, event.event_values[at] ?? NONE);
      group.addEvent(event, converts, amount);
      if (event.session_id !== null) group.sessionIds.add(event.session_id);
    }
    if (event.session_values !== null) {
      for (const [at, groups] of sessionValues.entries()) {
        groupIn(groups, event.session_values[at] ?? NONE).addEvent(event, converts, amount);
      }
    }
    for (const completion of matcher.completions(event)) {
      const group = groupIn(goalValues, completion.goal.name);
      group.addEvent(event, true, completion.amount);
      if (event.session_id !== null) group.sessionIds.add(event.session_id);
    }
  }

  const daySessions = new Map<string, DaySession>();
  for (const session of sessions) {
    daySessions.set(session.id, session);
    total.addSession(session);
    groupIn(hours, session.hour).addSession(session);
    for (const [at, groups] of sessionValues.entries()) {
      groupIn(groups, session.session_values[at] ?? NONE).addSession(session);
    }
  }
  for (const groups of [...eventValues, goalValues]) {
    for (const group of groups.values()) {
      for (const sessionId of group.sessionIds) {
        const session = daySessions.get(sessionId);
        if (session !== undefined) group.addSession(session);
      }
    }
  }
  const pages = eventValues[EVENT_DIMENSIONS.indexOf('page')]!;
  for (const session of daySessions.values()) {
    const entered = pages.get(session.session_values[ENTRY_PAGE] ?? NONE);
    if (entered !== undefined) entered.entries += 1;
    const left = pages.get(session.session_values[EXIT_PAGE] ?? NONE);
    if (left !== undefined) left.exits += 1;
  }

  const rows = (dimension: RollupDimension, groups: Map<string, Group>) =>
    [...groups].map(([value, group]) => ({
      dimension,
      value,
      ...group.counts(),
      entries: group.entries,
      exits: group.exits,
      ...group.sketches(),
    }));
  return {
    total: { ...total.counts(), ...total.sketches() },
    hours: [...hours].sort(([a], [b]) => a - b).map(([hour, group]) => ({ hour, ...group.counts() })),
    values: [
      ...EVENT_DIMENSIONS.flatMap((dimension, at) => rows(dimension, eventValues[at]!)),
      ...SESSION_DIMENSIONS.flatMap((dimension, at) => rows(dimension, sessionValues[at]!)),
      ...rows('goal', goalValues),
    ],
  };
}
