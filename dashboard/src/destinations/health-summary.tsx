import { formatMetric } from '../format.ts';
import { formatDateTime } from '../format.ts';
import type { DestinationHealth } from './destination-api.ts';

/** A destination's delivery health at a glance: counts, when it last delivered, its standing error. */
export function HealthSummary(props: { health: DestinationHealth | undefined }) {
  const { health } = props;
  if (health === undefined) return <p class="muted">No delivery health yet.</p>;
  const counts: Array<{ key: string; label: string; value: number; tone?: string }> = [
    { key: 'delivered', label: 'Delivered (24 h)', value: health.delivered, tone: 'good' },
    { key: 'pending', label: 'Pending', value: health.pending + health.retrying },
    { key: 'dead', label: 'Failed', value: health.dead, tone: health.dead > 0 ? 'bad' : undefined },
  ];
  return (
    <div class="health">
      <dl class="health-counts">
        {counts.map((count) => (
          <div key={count.key} data-health={count.key} class={count.tone}>
            <dt>{count.label}</dt>
            <dd>{formatMetric(count.value, 'count')}</dd>
          </div>
        ))}
      </dl>
      <p class="muted">
        {health.retrying > 0 &&
          `${formatMetric(health.retrying, 'count')} of the pending are being retried. `}
        {health.lastDeliveredAt === null
          ? 'Nothing delivered yet.'
          : `Last delivered ${formatDateTime(health.lastDeliveredAt)}.`}
      </p>
      {health.lastError !== null && (
        <p class="last-error">
          <span class="label">
            Last error ({health.lastError.status === 'dead' ? 'failed for good' : 'retrying'},{' '}
            {formatDateTime(health.lastError.createdAt)}):
          </span>{' '}
          {health.lastError.message}
        </p>
      )}
    </div>
  );
}
