/** How far in the past a corrected event time may lie; older claims are clamped (queued offline events). */
export const MAX_EVENT_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * When the event happened, in server time. The client clock may be off by hours; `sentAt` (the client
 * clock when the request left) measures that skew, as Segment does: occurred = ts + (received - sentAt).
 * Without sentAt the newest ts of the request stands in for it, since the tracker sends right away.
 * The result never lies in the future nor more than MAX_EVENT_AGE_MS in the past.
 */
export function correctClockSkew(input: {
  ts: number | undefined;
  sentAt: number | undefined;
  receivedAt: number;
}): number {
  const { ts, sentAt, receivedAt } = input;
  if (ts === undefined || !Number.isFinite(ts)) return receivedAt;
  const reference = sentAt !== undefined && Number.isFinite(sentAt) ? sentAt : ts;
  const corrected = ts + (receivedAt - reference);
  return Math.min(receivedAt, Math.max(receivedAt - MAX_EVENT_AGE_MS, corrected));
}
