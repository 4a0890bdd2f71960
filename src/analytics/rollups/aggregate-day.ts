import {
  EVENT_DIMENSIONS,
  NONE,
  SESSION_DIMENSIONS,
  type RollupDimension,
  type SessionDimension,
} from './dimensions.ts';
import { SketchBuilder, type VisitorSketch } from './hll.ts';
import { visitorEntry } from './visitor-entry.ts';

/** One event of the day (bots excluded), as the job reads it. */
export interface DayEvent {
  type: string;
  name: string | null;
  path: string | null;
  hostname: string | null;
  visitor_id: string | null;
  session_id: string | null;
  /** The instant its local hour began, epoch seconds. */
  hour: number;
}

/** One session that started on the day (bots excluded), with its value for each session dimension. */
export type DaySession = {
  visitor_id: string;
  /** The instant the local hour of its start began, epoch seconds. */
  hour: number;
  pageviews: number;
  events: number;
  duration_s: number;
  is_bounce: boolean;
} & { [D in SessionDimension]: string | null };

/** Additive counts, and the exact number of distinct visitors behind them. */
export interface RollupCounts {
  visitors: number;
  sessions: number;
  pageviews: number;
  events: number;
  bounces: number;
  duration_s: number;
}

export interface DayRollup {
  total: RollupCounts & { sketch: VisitorSketch };
  hours: Array<RollupCounts & { hour: number }>;
  values: Array<
    RollupCounts & {
      dimension: RollupDimension;
      value: string;
      entries: number;
      exits: number;
      sketch: VisitorSketch;
    }
  >;
}

class Group {
  readonly visitors = new Set<string>();
  readonly sessionIds = new Set<string>();
  readonly sketch = new SketchBuilder();
  sessions = 0;
  pageviews = 0;
  events = 0;
  bounces = 0;
  duration_s = 0;
  entries = 0;
  exits = 0;

  addVisitor(visitorId: string | null, entryOf: (visitorId: string) => number) {
    if (visitorId === null || this.visitors.has(visitorId)) return;
    this.visitors.add(visitorId);
    this.sketch.add(entryOf(visitorId));
  }

  addSession(session: DaySession, entryOf: (visitorId: string) => number) {
    this.sessions += 1;
    this.bounces += session.is_bounce ? 1 : 0;
    this.duration_s += session.duration_s;
    this.addVisitor(session.visitor_id, entryOf);
  }

  counts(): RollupCounts {
    return {
      visitors: this.visitors.size,
      sessions: this.sessions,
      pageviews: this.pageviews,
      events: this.events,
      bounces: this.bounces,
      duration_s: this.duration_s,
    };
  }
}

function groupOf<K>(groups: Map<K, Group>, key: K): Group {
  let group = groups.get(key);
  if (group === undefined) {
    group = new Group();
    groups.set(key, group);
  }
  return group;
}

/**
 * A day's roll-up from its events and the sessions that started on it. Totals and hours: page
 * views and events by when they happened, sessions (bounces, duration) by when they started.
 * Event dimensions (`page`, `hostname`, `event`): their events, the distinct sessions and visitors
 * that sent them; a page also counts the day's sessions that entered on it (`entries`, with their
 * bounces and duration) and that left from it (`exits`). Session dimensions: the day's sessions
 * with the value, their visitors, and the page views and events those sessions hold.
 */
export function aggregateDay(events: Iterable<DayEvent>, sessions: Iterable<DaySession>): DayRollup {
  const entries = new Map<string, number>();
  const entryOf = (visitorId: string) => {
    let entry = entries.get(visitorId);
    if (entry === undefined) {
      entry = visitorEntry(visitorId);
      entries.set(visitorId, entry);
    }
    return entry;
  };
  const total = new Group();
  const hours = new Map<number, Group>();
  const byDimension = new Map<RollupDimension, Map<string, Group>>(
    [...EVENT_DIMENSIONS, ...SESSION_DIMENSIONS].map((dimension) => [dimension, new Map()]),
  );
  const values = (dimension: RollupDimension) => byDimension.get(dimension)!;

  for (const event of events) {
    const hour = groupOf(hours, event.hour);
    const touched: Group[] = [total, hour];
    if (event.type === 'pageview') {
      touched.push(
        groupOf(values('page'), event.path ?? NONE),
        groupOf(values('hostname'), event.hostname ?? NONE),
      );
      for (const group of touched) group.pageviews += 1;
    } else if (event.type === 'event') {
      touched.push(groupOf(values('event'), event.name ?? NONE));
      for (const group of touched) group.events += 1;
    }
    for (const group of touched) {
      group.addVisitor(event.visitor_id, entryOf);
      if (event.session_id !== null && group !== total && group !== hour)
        group.sessionIds.add(event.session_id);
    }
  }

  for (const session of sessions) {
    total.addSession(session, entryOf);
    groupOf(hours, session.hour).addSession(session, entryOf);
    for (const dimension of SESSION_DIMENSIONS) {
      const group = groupOf(values(dimension), session[dimension] ?? NONE);
      group.addSession(session, entryOf);
      group.pageviews += session.pageviews;
      group.events += session.events;
    }
    const entered = groupOf(values('page'), session.entry_page ?? NONE);
    entered.entries += 1;
    entered.bounces += session.is_bounce ? 1 : 0;
    entered.duration_s += session.duration_s;
    groupOf(values('page'), session.exit_page ?? NONE).exits += 1;
  }

  return {
    total: { ...total.counts(), sketch: total.sketch.toSketch() },
    hours: [...hours].sort(([a], [b]) => a - b).map(([hour, group]) => ({ hour, ...group.counts() })),
    values: [...byDimension].flatMap(([dimension, groups]) =>
      [...groups].map(([value, group]) => ({
        dimension,
        value,
        ...group.counts(),
        // Event dimensions count the distinct sessions that sent their events.
        sessions: (EVENT_DIMENSIONS as readonly string[]).includes(dimension)
          ? group.sessionIds.size
          : group.sessions,
        entries: group.entries,
        exits: group.exits,
        sketch: group.sketch.toSketch(),
      })),
    ),
  };
}
