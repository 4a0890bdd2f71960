import { Type, type Static } from 'typebox';
import type { ErasedCounts } from './erase-from-site.ts';

/** An erasure as the API shows it: never the subject, which is wiped once it is done. */
export const Erasure = Type.Object(
  {
    id: Type.String(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('done'), Type.Literal('failed')]),
    siteId: Type.Union([Type.String(), Type.Null()], { description: 'null: every site of the agency' }),
    subjectKind: Type.Union([Type.Literal('visitor'), Type.Literal('user'), Type.Literal('email')]),
    erased: Type.Union([Type.Record(Type.String(), Type.Integer()), Type.Null()], {
      description: 'Rows removed per store, once done',
    }),
    attempts: Type.Integer(),
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  {
    examples: [
      {
        id: 'era_06h0q3yk8m5f3c9x2q1w7n4r8t',
        status: 'done',
        siteId: 'site_06h0q3yk8m5f3c9x2q1w7n4r8a',
        subjectKind: 'visitor',
        erased: { sites: 1, events: 412, eventIds: 12, deliveries: 30, sessions: 17, consentRecords: 2 },
        attempts: 1,
        lastError: null,
        createdAt: '2026-12-05T07:00:00.000Z',
        finishedAt: '2026-12-05T07:00:02.000Z',
      },
    ],
  },
);
export type Erasure = Static<typeof Erasure>;

export interface ErasureRow {
  public_id: string;
  site_id: string | null;
  subject_kind: Erasure['subjectKind'];
  status: 'pending' | 'done' | 'failed' | 'cancelled';
  erased: ErasedCounts | null;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export const ERASURE_COLUMNS =
  'public_id, site_id, subject_kind, status, erased, attempts, last_error, created_at, finished_at';

export function toErasure(row: ErasureRow): Erasure {
  return {
    id: row.public_id,
    // Erasures are never cancelled; a cancelled row would be a pending one given up on.
    status: row.status === 'cancelled' ? 'failed' : row.status,
    siteId: row.site_id,
    subjectKind: row.subject_kind,
    erased: row.erased as Record<string, number> | null,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}
