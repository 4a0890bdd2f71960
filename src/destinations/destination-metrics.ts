import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Per-platform delivery counters and request latency for /metrics; the delivery engine calls the
 * function it returns for every outcome and every request.
 */
export function destinationMetrics(
  registry: Registry,
): (type: string, outcome: string, count: number, seconds?: number) => void {
  const deliveries = new Counter({
    name: 'beacon_destination_deliveries_total',
    help: 'Event deliveries to destinations by platform and outcome: delivered, retry, permanent, skipped',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  const requests = new Histogram({
    name: 'beacon_destination_request_seconds',
    help: 'Latency of requests to destination platforms (one request may carry a batch of events)',
    labelNames: ['type'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [registry],
  });
  return (type, outcome, count, seconds) => {
    if (seconds !== undefined) requests.observe({ type }, seconds);
    if (count > 0) deliveries.inc({ type, outcome }, count);
  };
}
