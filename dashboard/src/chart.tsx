import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TimeseriesPoint } from './api.ts';

/** Visitors and page views over time, drawn by uPlot on a canvas. */
export function TrafficChart(props: { points: TimeseriesPoint[] }) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const data: uPlot.AlignedData = [
      props.points.map((point) => Date.parse(point.t) / 1000),
      props.points.map((point) => point.visitors ?? 0),
      props.points.map((point) => point.pageviews ?? 0),
    ];
    const chart = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height: 240,
        series: [
          {},
          { label: 'Visitors', stroke: '#2563eb', width: 2, fill: 'rgba(37, 99, 235, 0.1)' },
          { label: 'Page views', stroke: '#9333ea', width: 1.5 },
        ],
        axes: [{}, { size: 50 }],
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
  }, [props.points]);
  return <div class="chart" ref={container} role="img" aria-label="Visitors and page views over time" />;
}
