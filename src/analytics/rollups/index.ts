export { ROLLUP_DIMENSIONS, isRollupDimension, type RollupDimension } from './dimensions.ts';
export { markDirtyHours } from './dirty-hours.ts';
export { refreshRollups, type RefreshRollupsResult } from './refresh-rollups.ts';
export {
  rollupBreakdown,
  type BreakdownSort,
  type BreakdownSortKey,
  type RollupBreakdownRow,
} from './rollup-breakdown.ts';
export { rollupOverview, type RollupTotals } from './rollup-overview.ts';
export { DEFAULT_MAX_LAG_MS, type RollupRange } from './rollup-range.ts';
export { rollupTimeseries, type RollupInterval, type RollupPoint } from './rollup-timeseries.ts';
