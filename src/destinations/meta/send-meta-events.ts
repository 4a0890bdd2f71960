import type { OutgoingEvent, SendContext, SendResult } from '../destination-type.ts';
import { mapMetaEvent, type MetaServerEvent } from './map-meta-event.ts';
import type { MetaConfig } from './meta-config.ts';
import { META_REQUEST_TIMEOUT_MS, postMetaEvents } from './post-meta-events.ts';

/** Meta's limit on events per request. */
export const META_MAX_EVENTS_PER_REQUEST = 1000;

/**
 * Requests one `send` may make. Meta refuses a whole request for one invalid event and names it
 * (then two requests do); when it does not, halving finds the event in two requests per halving:
 * 21 for one bad event among 1,000, 37 for two (measured in the tests). What is left unsent when the budget runs out
 * is tried again later, so a batch full of bad events cannot keep one send going for long.
 */
const MAX_REQUESTS_PER_SEND = 48;

interface Pending {
  id: number;
  event: MetaServerEvent;
}

export interface SendMetaOptions {
  timeoutMs?: number;
  maxRequests?: number;
}

/**
 * Sends a batch to the Conversions API and answers an outcome for every delivery. Events Meta
 * would refuse are not sent (see `mapMetaEvent`). The rest go in requests of at most 1,000; when
 * Meta refuses a request for an invalid event, that event fails alone: the one Meta named, or the
 * one found by sending the request in halves, so one bad event never dead-letters the others.
 */
export async function sendMetaEvents(
  batch: readonly OutgoingEvent[],
  context: SendContext<MetaConfig>,
  { timeoutMs = META_REQUEST_TIMEOUT_MS, maxRequests = MAX_REQUESTS_PER_SEND }: SendMetaOptions = {},
): Promise<Map<number, SendResult>> {
  const results = new Map<number, SendResult>();
  const now = context.now();
  const pending: Pending[] = [];
  for (const outgoing of batch) {
    const mapped = mapMetaEvent(outgoing, now);
    if (mapped.kind === 'send') pending.push({ id: outgoing.id, event: mapped.event });
    else results.set(outgoing.id, mapped);
  }

  const queue: Pending[][] = [];
  for (let start = 0; start < pending.length; start += META_MAX_EVENTS_PER_REQUEST) {
    queue.push(pending.slice(start, start + META_MAX_EVENTS_PER_REQUEST));
  }
  const settle = (chunks: readonly Pending[][], result: SendResult) => {
    for (const chunk of chunks) for (const { id } of chunk) results.set(id, result);
  };

  let requests = 0;
  while (queue.length > 0) {
    if (requests >= maxRequests) {
      settle(queue.splice(0), {
        kind: 'retry',
        error: `Not sent yet: finding the events Meta refused took the ${maxRequests} requests one send may make`,
      });
      break;
    }
    const chunk = queue.shift()!;
    requests += 1;
    const outcome = await postMetaEvents(
      chunk.map(({ event }) => event),
      context,
      { timeoutMs },
    );
    switch (outcome.kind) {
      case 'accepted':
        if (outcome.eventsReceived !== undefined && outcome.eventsReceived !== chunk.length) {
          context.log.warn(
            { sent: chunk.length, eventsReceived: outcome.eventsReceived, messages: outcome.messages },
            'Meta acknowledged a different number of events than were sent',
          );
        }
        settle([chunk], { kind: 'delivered' });
        break;
      case 'retry': {
        // What failed this request (a rate limit, an outage) would fail the next one too.
        const { kind, error, status, retryAfterMs } = outcome;
        settle([chunk, ...queue.splice(0)], {
          kind,
          error,
          ...(status === undefined ? {} : { status }),
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        });
        break;
      }
      case 'refused':
        // The token, the pixel or the version: every other request would be refused alike.
        settle([chunk, ...queue.splice(0)], {
          kind: 'permanent',
          error: outcome.error,
          status: outcome.status,
        });
        break;
      case 'invalid_event': {
        const failed = { kind: 'permanent', error: outcome.error, status: outcome.status } as const;
        const { index } = outcome;
        if (chunk.length === 1) {
          settle([chunk], failed);
        } else if (index !== undefined && index < chunk.length) {
          results.set(chunk[index]!.id, failed);
          queue.unshift(chunk.filter((_, position) => position !== index));
        } else {
          const half = Math.ceil(chunk.length / 2);
          queue.unshift(chunk.slice(0, half), chunk.slice(half));
        }
        break;
      }
    }
  }
  return results;
}
