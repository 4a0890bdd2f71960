import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TimeseriesPoint } from './api.ts';

/** At most this many labelled ticks on the time axis of a daily, weekly or monthly chart. */
const MAX_DAY_TICKS = 10;

/**
 * Visitors and page views over time, drawn by uPlot on a canvas. Days, weeks and months are ticked
 * at their own points and labelled with their date in the site's time zone (uPlot's own ticks fall
 * on the browser's hours between them). With `previous`, the previous period's visitors are a
 * muted dashed line over the same buckets: its first bucket under this period's first, and so on.
 */
export function TrafficChart(props: {
  points: TimeseriesPoint[];
  interval: 'hour' | 'day' | 'week' | 'month';
  previous?: TimeseriesPoint[];
}) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const previous = props.previous;
    const data: uPlot.AlignedData = [
      props.points.map((point) => Date.parse(point.t) / 1000),
      props.points.map((point) => point.visitors ?? 0),
      props.points.map((point) => point.pageviews ?? 0),
      ...(previous === undefined ? [] : [alignedPrevious(props.points, previous)]),
    ];
    const chart = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height: 240,
        series: [
          {},
          { label: 'Visitors', stroke: '#2563eb', width: 2, fill: 'rgba(37, 99, 235, 0.1)' },
          { label: 'Page views', stroke: '#9333ea', width: 1.5 },
          ...(previous === undefined
            ? []
            : [{ label: 'Visitors, previous period', stroke: '#94a3b8', width: 1.5, dash: [6, 4] }]),
        ],
        axes: [props.interval === 'hour' ? {} : dayAxis(props.points), { size: 50 }],
      },
      data,
      element,
    );
    const resize = () => chart.setSize({ width: Math.max(280, element.clientWidth), height: 240 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.destroy();
    };
  }, [props.points, props.interval, props.previous]);
  const label = props.previous
    ? 'Visitors and page views over time, and visitors in the previous period'
    : 'Visitors and page views over time';
  return <div class="chart" ref={container} role="img" aria-label={label} />;
}

/** The previous period's visitors bucket by bucket under this period's; a bucket it lacks is a gap. */
export function alignedPrevious(
  points: readonly TimeseriesPoint[],
  previous: readonly TimeseriesPoint[],
): Array<number | null> {
  return points.map((_, index) => previous[index]?.visitors ?? null);
}

/** A time axis ticked at the points themselves, labelled with the local date each point carries. */
function dayAxis(points: TimeseriesPoint[]): uPlot.Axis {
  const labels = new Map(points.map((point) => [Date.parse(point.t) / 1000, point.t.slice(0, 10)]));
  const step = Math.max(1, Math.ceil(points.length / MAX_DAY_TICKS));
  const splits = points.filter((_, index) => index % step === 0).map((point) => Date.parse(point.t) / 1000);
  const format = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  return {
    splits: () => splits,
    values: (_chart, ticks) =>
      ticks.map((tick) => {
        const day = labels.get(tick);
        return day === undefined ? '' : format.format(new Date(`${day}T00:00:00Z`));
      }),
  };
}
