export { ROLLUP_DIMENSIONS, isRollupDimension, type RollupDimension } from './dimensions.ts';
export { markDirtyHours } from './dirty-hours.ts';
export { refreshRollups, type RefreshRollupsResult } from './refresh-rollups.ts';
