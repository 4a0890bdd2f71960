import { formatDuration, formatMetric } from '../format.ts';
import { stepRows, type FunnelReport } from './funnel-model.ts';

const rate = (value: number | undefined) => (value === undefined ? '–' : formatMetric(value, 'percent'));

/**
 * A funnel's steps as bars, each as long as its share of the first step's visitors, with the
 * visitors, the conversion from the previous step and overall, and the drop-off as text beside it.
 */
export function FunnelChart(props: { report: FunnelReport; name: string }) {
  const rows = stepRows(props.report.steps);
  const previous = props.report.previous ? stepRows(props.report.previous.steps) : undefined;
  const last = rows[rows.length - 1];
  if (rows[0]?.visitors === 0) {
    return (
      <p class="empty">
        Nobody took the first step in this range. Pick a longer range, or check that the first step matches a
        page or event your site tracks.
      </p>
    );
  }
  return (
    <div class="funnel">
      {last && (
        <p class="funnel-summary">
          <strong>{rate(last.overall)}</strong> of {formatMetric(rows[0]!.visitors, 'count')} visitors who
          took the first step completed the funnel
          {previous && previous[previous.length - 1]?.overall !== undefined && (
            <span class="muted"> (previous period: {rate(previous[previous.length - 1]!.overall)})</span>
          )}
          .
        </p>
      )}
      <ol class="funnel-chart" aria-label={`Steps of ${props.name}`}>
        {rows.map((row, index) => (
          <li key={index} data-step={index + 1}>
            <div class="funnel-step-head">
              <span class="funnel-step-number" aria-hidden="true">
                {index + 1}
              </span>
              <span class="funnel-step-label">{row.label}</span>
              {row.matches !== `Page ${row.label}` && row.matches !== `Event ${row.label}` && (
                <span class="muted funnel-step-matches">{row.matches}</span>
              )}
            </div>
            <div class="funnel-bar-track" aria-hidden="true">
              <div class="funnel-bar" style={{ width: `${row.bar}%` }} />
            </div>
            <dl class="funnel-step-numbers">
              <div>
                <dt>Visitors</dt>
                <dd data-value="visitors">{formatMetric(row.visitors, 'count')}</dd>
              </div>
              {index > 0 && (
                <>
                  <div>
                    <dt>From previous step</dt>
                    <dd data-value="from-previous">{rate(row.fromPrevious)}</dd>
                  </div>
                  <div>
                    <dt>Overall</dt>
                    <dd data-value="overall">{rate(row.overall)}</dd>
                  </div>
                  <div>
                    <dt>Dropped off</dt>
                    <dd data-value="drop-off">
                      {formatMetric(row.dropOff, 'count')}
                      {row.dropOffRate !== undefined && ` (${rate(row.dropOffRate)})`}
                    </dd>
                  </div>
                  {row.medianSeconds !== null && (
                    <div>
                      <dt>Median time from step 1</dt>
                      <dd>{formatDuration(row.medianSeconds)}</dd>
                    </div>
                  )}
                </>
              )}
              {previous?.[index] && (
                <div class="muted">
                  <dt>Previous period</dt>
                  <dd data-value="previous-visitors">{formatMetric(previous[index]!.visitors, 'count')}</dd>
                </div>
              )}
            </dl>
          </li>
        ))}
      </ol>
    </div>
  );
}
