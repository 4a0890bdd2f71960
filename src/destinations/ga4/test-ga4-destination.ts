import type { DestinationEvent, SendContext, TestResult } from '../destination-type.ts';
import type { Ga4Config } from './ga4-config.ts';
import { mapGa4Event } from './map-event.ts';
import { postToGa4 } from './post-to-ga4.ts';

interface ValidationMessage {
  fieldPath?: unknown;
  description?: unknown;
  validationCode?: unknown;
}

/**
 * Sends `event` to GA4's validation server (`/debug/mp/collect`, whose events never reach reports)
 * with `ENFORCE_RECOMMENDATIONS`, as Google advises while setting up, and reports its
 * `validationMessages`. The validation server does not check the API secret, so a passing test
 * says so rather than vouch for it.
 */
export async function testGa4Destination(
  event: DestinationEvent,
  context: SendContext<Ga4Config>,
  { timeoutMs }: { timeoutMs: number },
): Promise<TestResult> {
  const mapped = mapGa4Event(event, { match: '*' }, context.now());
  if (mapped.kind === 'skipped') return { ok: false, messages: [mapped.reason] };
  if (mapped.kind === 'permanent') return { ok: false, messages: [mapped.error] };

  const body = { ...mapped.request, validation_behavior: 'ENFORCE_RECOMMENDATIONS', events: [mapped.event] };
  const answer = await postToGa4({ path: '/debug/mp/collect', body, context, timeoutMs });
  if (answer.kind === 'failed') return { ok: false, messages: [answer.error] };
  if (answer.status < 200 || answer.status >= 300) {
    const text = answer.text ? `: ${answer.text.slice(0, 200)}` : '';
    return { ok: false, messages: [`GA4's validation server answered HTTP ${answer.status}${text}`] };
  }
  const messages = parseValidationMessages(answer.text);
  if (messages === undefined) {
    return {
      ok: false,
      messages: ["GA4's validation server sent an answer that is not its validationMessages"],
    };
  }
  if (messages.length > 0) return { ok: false, messages };
  return {
    ok: true,
    messages: [
      `GA4 accepted the test event (${mapped.event.name}) for ${context.config.measurementId}. ` +
        'Its validation server does not check the API secret: look for the events in Realtime once they flow.',
    ],
  };
}

/** `validationMessages` as lines such as `NAME_INVALID at events: Event at index: [0] has invalid name …`. */
export function parseValidationMessages(text: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const list = (parsed as { validationMessages?: unknown } | null)?.validationMessages;
  if (!Array.isArray(list)) return undefined;
  return list.map((entry: ValidationMessage) => {
    const code = typeof entry?.validationCode === 'string' ? entry.validationCode : 'VALIDATION_MESSAGE';
    const field = typeof entry?.fieldPath === 'string' && entry.fieldPath ? ` at ${entry.fieldPath}` : '';
    const description = typeof entry?.description === 'string' ? `: ${entry.description}` : '';
    return `${code}${field}${description}`;
  });
}
