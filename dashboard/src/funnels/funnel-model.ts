/**
 * The funnels tab's pure logic: the API's shapes (src/analytics/funnels, src/analytics/goals), the
 * builder's drafts turned into steps, the rates a funnel chart shows, and the tab's URL.
 */
import { serializeViewState, type ViewState } from '../view-state.ts';

export interface FunnelStep {
  page?: string;
  event?: string;
  label?: string;
}

export interface Funnel {
  id: string;
  name: string;
  steps: FunnelStep[];
  window: number;
  createdAt: string;
}

export interface FunnelStepResult {
  label: string;
  page?: string;
  event?: string;
  visitors: number;
  conversionRate: number;
  dropOff: number;
  dropOffRate: number;
  medianSecondsFromFirstStep: number | null;
}

export interface FunnelReport {
  steps: FunnelStepResult[];
  window: number;
  previous?: { steps: FunnelStepResult[] };
}

export interface Goal {
  id: string;
  name: string;
  eventName: string | null;
  pagePattern: string | null;
  revenueProperty: string | null;
}

/** The API's bounds (src/analytics/funnels/funnel-definition.ts). */
export const MIN_STEPS = 2;
export const MAX_STEPS = 8;

/** Windows a builder offers, in minutes; the API takes 1 to 90 days' worth. */
export const WINDOWS: Array<{ minutes: number; label: string }> = [
  { minutes: 30, label: '30 minutes' },
  { minutes: 60, label: '1 hour' },
  { minutes: 24 * 60, label: '1 day' },
  { minutes: 7 * 24 * 60, label: '7 days' },
  { minutes: 30 * 24 * 60, label: '30 days' },
  { minutes: 90 * 24 * 60, label: '90 days' },
];
export const DEFAULT_WINDOW = 24 * 60;

/** A step as the builder edits it: what it matches, and an optional label. */
export interface StepDraft {
  kind: 'page' | 'event';
  value: string;
  label: string;
}

export const emptyStep = (kind: StepDraft['kind'] = 'page'): StepDraft => ({ kind, value: '', label: '' });

/** The steps the API takes; blanks trimmed away, an empty label left out. */
export function stepsOf(drafts: readonly StepDraft[]): FunnelStep[] {
  return drafts.map((draft) => {
    const label = draft.label.trim();
    return {
      [draft.kind]: draft.value.trim(),
      ...(label === '' ? {} : { label }),
    };
  });
}

/** Whether a preview can be asked for: enough steps, each naming what it matches. */
export function canPreview(drafts: readonly StepDraft[]): boolean {
  return (
    drafts.length >= MIN_STEPS &&
    drafts.length <= MAX_STEPS &&
    drafts.every((draft) => draft.value.trim() !== '')
  );
}

/** A saved funnel back in the builder (to change a copy of it). */
export function draftsOf(steps: readonly FunnelStep[]): StepDraft[] {
  return steps.map((step) => ({
    kind: step.event !== undefined ? 'event' : 'page',
    value: step.event ?? step.page ?? '',
    label: step.label ?? '',
  }));
}

/** What a chart shows of a step; rates are percents, undefined where there is nothing to divide by. */
export interface StepRow {
  label: string;
  matches: string;
  visitors: number;
  /** Of the previous step's visitors; undefined for the first step and after a step nobody reached. */
  fromPrevious: number | undefined;
  /** Of the first step's visitors; undefined when nobody took the first step. */
  overall: number | undefined;
  dropOff: number;
  dropOffRate: number | undefined;
  /** The bar's length: percent of the first step's visitors (0 when nobody took it). */
  bar: number;
  medianSeconds: number | null;
}

const percent = (part: number, whole: number) => Math.round((part / whole) * 1000) / 10;

export function stepRows(steps: readonly FunnelStepResult[]): StepRow[] {
  const entered = steps[0]?.visitors ?? 0;
  return steps.map((step, index) => {
    const before = index === 0 ? undefined : steps[index - 1]!.visitors;
    return {
      label: step.label,
      matches: step.event !== undefined ? `Event ${step.event}` : `Page ${step.page ?? ''}`,
      visitors: step.visitors,
      fromPrevious: before === undefined || before === 0 ? undefined : percent(step.visitors, before),
      overall: entered === 0 ? undefined : percent(step.visitors, entered),
      dropOff: index === 0 ? 0 : step.dropOff,
      dropOffRate: before === undefined || before === 0 ? undefined : percent(step.dropOff, before),
      bar: entered === 0 ? 0 : Math.min(100, Math.max(0, percent(step.visitors, entered))),
      medianSeconds: step.medianSecondsFromFirstStep,
    };
  });
}

/** What a goal matches, as a reader says it. */
export function goalMatches(goal: Goal): string {
  return goal.eventName !== null ? `Event ${goal.eventName}` : `Page ${goal.pagePattern ?? ''}`;
}

/** The funnels tab's query string: the overview's range and comparison, and the funnel opened. */
export function funnelsSearch(view: ViewState, funnelId: string | undefined): string {
  const params = new URLSearchParams(serializeViewState({ ...view, filters: [] }));
  if (funnelId !== undefined) params.set('funnel', funnelId);
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

export function openedFunnel(search: string): string | undefined {
  const id = new URLSearchParams(search).get('funnel');
  return id === null || id === '' ? undefined : id;
}
