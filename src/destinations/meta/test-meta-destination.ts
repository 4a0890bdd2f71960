import { randomInt } from 'node:crypto';
import type { DestinationEvent, SendContext, TestResult } from '../destination-type.ts';
import { mapMetaEvent } from './map-meta-event.ts';
import type { MetaConfig } from './meta-config.ts';
import { META_REQUEST_TIMEOUT_MS, postMetaEvents } from './post-meta-events.ts';

/**
 * Sends one event with a `test_event_code`: the destination's own (so it shows in Events Manager's
 * Test events tab the user has open), else a fresh `TEST…` code. Meta checks it like any event, so
 * an answer proves the token, pixel, version and payload. Meta still processes test events, so
 * the caller should hand over an event that may be counted (a page view).
 */
export async function testMetaDestination(
  event: DestinationEvent,
  context: SendContext<MetaConfig>,
  { timeoutMs = META_REQUEST_TIMEOUT_MS } = {},
): Promise<TestResult> {
  const mapped = mapMetaEvent({ event, rule: {} }, context.now());
  if (mapped.kind === 'skipped') return { ok: false, messages: [`Nothing to send: ${mapped.reason}`] };
  if (mapped.kind === 'permanent') return { ok: false, messages: [mapped.error] };

  const testEventCode = context.config.testEventCode ?? `TEST${randomInt(10_000, 100_000)}`;
  const outcome = await postMetaEvents([mapped.event], context, { testEventCode, timeoutMs });
  switch (outcome.kind) {
    case 'accepted':
      return {
        ok: true,
        messages: [
          `Meta received ${outcome.eventsReceived ?? 1} ${mapped.event.event_name} event with test code ${testEventCode}; see Events Manager → Test events`,
          ...outcome.messages,
        ],
      };
    case 'retry':
      return { ok: false, messages: [`${outcome.error} (passing trouble: try again later)`] };
    case 'refused':
    case 'invalid_event':
      return { ok: false, messages: [outcome.error] };
  }
}
