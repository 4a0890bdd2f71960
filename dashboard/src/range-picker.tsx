import { useEffect, useState } from 'preact/hooks';
import { withRange, type RangeKey, type ViewState } from './view-state.ts';
import './range-picker.css';

const PRESETS: Array<{ range: Exclude<RangeKey, 'custom'>; label: string }> = [
  { range: 'today', label: 'Today' },
  { range: '7d', label: 'Last 7 days' },
  { range: '30d', label: 'Last 30 days' },
  { range: 'month', label: 'This month' },
  { range: 'last-month', label: 'Last month' },
];

/**
 * The date range of a report view (overview, funnels): presets, a custom range of two dates, and
 * whether the previous period of equal length is compared.
 */
export function RangePicker(props: {
  view: ViewState;
  from: string;
  to: string;
  onChange: (view: ViewState) => void;
}) {
  const [custom, setCustom] = useState({ from: props.from, to: props.to });
  // A preset picked shows its own dates in the custom fields, ready to adjust.
  useEffect(() => setCustom({ from: props.from, to: props.to }), [props.from, props.to]);
  const invalid = custom.from === '' || custom.to === '' || custom.from > custom.to;
  return (
    <div class="range-picker" role="group" aria-label="Date range">
      {PRESETS.map(({ range, label }) => (
        <button
          type="button"
          key={range}
          aria-pressed={props.view.range === range}
          onClick={() => props.onChange(withRange(props.view, range))}
        >
          {label}
        </button>
      ))}
      <form
        class="custom-range"
        onSubmit={(event) => {
          event.preventDefault();
          if (invalid) return;
          props.onChange({ ...props.view, range: 'custom', from: custom.from, to: custom.to });
        }}
      >
        <label>
          From{' '}
          <input
            type="date"
            value={custom.from}
            max={custom.to || undefined}
            onInput={(event) => setCustom({ ...custom, from: event.currentTarget.value })}
          />
        </label>
        <label>
          to{' '}
          <input
            type="date"
            value={custom.to}
            min={custom.from || undefined}
            onInput={(event) => setCustom({ ...custom, to: event.currentTarget.value })}
          />
        </label>
        <button type="submit" aria-pressed={props.view.range === 'custom'} disabled={invalid}>
          Apply
        </button>
      </form>
      <label class="compare-toggle">
        <input
          type="checkbox"
          checked={props.view.compare}
          onChange={(event) => props.onChange({ ...props.view, compare: event.currentTarget.checked })}
        />{' '}
        Compare with previous period
      </label>
    </div>
  );
}
