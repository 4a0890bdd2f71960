import type { LeadStatus } from './leads-state.ts';

const LABELS: Record<LeadStatus, string> = { hot: 'Hot', warm: 'Warm', cold: 'Cold' };

/** A lead status as a coloured badge whose text says it too (colour is never the only sign). */
export function LeadBadge(props: { status: LeadStatus }) {
  return <span class={`lead-badge lead-${props.status}`}>{LABELS[props.status]}</span>;
}

export function leadLabel(status: LeadStatus): string {
  return LABELS[status];
}
