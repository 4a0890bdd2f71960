import type { SendResult } from '../destination-type.ts';
import type { Conversion } from './prepare-conversion.ts';

/** What one answer of Google means for the conversions of the request, by their position in it. */
export type Verdict =
  /** The same outcome for every conversion (accepted, a quota, a refused credential, a 5xx). */
  | { kind: 'all'; result: SendResult; warnings?: string[] }
  /** An outcome per conversion (the legacy API's partial failures). */
  | { kind: 'each'; results: SendResult[] }
  /** The request was refused for the conversions at fault; the others were not looked at and may be sent again. */
  | { kind: 'refused'; atFault: Map<number, SendResult> }
  /** 401: the access token was refused; worth one new token before `result` stands. */
  | { kind: 'unauthenticated'; result: SendResult };

/** Rounds of "drop the conversions at fault and send the rest again" before the rest wait for a retry. */
const MAX_ROUNDS = 3;

/**
 * Sends conversions until each has an outcome. Google refuses a whole request for one bad event
 * (Data Manager's fast-fail, a legacy request-level error with indexes): those named are dead letters
 * with Google's reason, the rest are sent again without them. `attempt` never throws.
 */
export async function settleInRounds(
  conversions: readonly Conversion[],
  attempt: (conversions: readonly Conversion[]) => Promise<Verdict>,
  results: Map<number, SendResult>,
  log: { warn(object: object, message: string): void },
): Promise<void> {
  let pending = conversions;
  for (let round = 1; pending.length > 0; round++) {
    const verdict = await attempt(pending);
    if (verdict.kind === 'all' || verdict.kind === 'unauthenticated') {
      for (const conversion of pending) results.set(conversion.id, verdict.result);
      if (verdict.kind === 'all' && verdict.warnings?.length) {
        log.warn(
          { warnings: verdict.warnings.slice(0, 20) },
          'Google accepted the conversions with warnings',
        );
      }
      return;
    }
    if (verdict.kind === 'each') {
      pending.forEach((conversion, index) => {
        results.set(
          conversion.id,
          verdict.results[index] ?? { kind: 'retry', error: 'Google answered no outcome for it' },
        );
      });
      return;
    }
    for (const [index, result] of verdict.atFault) {
      const conversion = pending[index];
      if (conversion) results.set(conversion.id, result);
    }
    const rest = pending.filter((_, index) => !verdict.atFault.has(index));
    if (round === MAX_ROUNDS) {
      const error = `not sent: Google refused ${MAX_ROUNDS} requests in a row for other events of the batch`;
      for (const conversion of rest) results.set(conversion.id, { kind: 'retry', error });
      return;
    }
    pending = rest;
  }
}
