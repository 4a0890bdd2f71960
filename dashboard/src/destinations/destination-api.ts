/** The destinations API as this tab calls it (`src/destinations/destination-routes.ts`). */
import type { Api } from '../api.ts';
import type { Destination, DestinationRule, DestinationTypeName } from './destination-forms.ts';
import type { LogFilter } from './destinations-url.ts';

export interface DestinationHealth {
  destinationId: string;
  pending: number;
  retrying: number;
  dead: number;
  /** In the last 24 hours, like `skipped`. */
  delivered: number;
  skipped: number;
  lastDeliveredAt: string | null;
  lastError: {
    deliveryId: number;
    status: 'retrying' | 'dead';
    message: string;
    httpStatus: number | null;
    createdAt: string;
  } | null;
}

export interface Delivery {
  id: number;
  eventId: string | null;
  status: 'pending' | 'retrying' | 'delivered' | 'dead' | 'skipped';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

export interface DeliveryPage {
  deliveries: Delivery[];
  nextBefore: number | null;
}

export interface TestResult {
  ok: boolean;
  messages: string[];
}

export interface DestinationInput {
  type?: DestinationTypeName;
  name?: string;
  enabled?: boolean;
  config?: Record<string, unknown>;
  events?: DestinationRule[] | null;
}

const base = (siteId: string) => `/api/sites/${encodeURIComponent(siteId)}/destinations`;
const one = (siteId: string, id: string) => `${base(siteId)}/${encodeURIComponent(id)}`;

export const destinationsApi = (api: Api, siteId: string) => ({
  list: () => api.get<{ destinations: Destination[] }>(base(siteId)),
  health: () => api.get<{ destinations: DestinationHealth[] }>(`${base(siteId)}/health`),
  get: (id: string) => api.get<Destination>(one(siteId, id)),
  create: (input: DestinationInput) => api.post<Destination>(base(siteId), input),
  update: (id: string, input: DestinationInput) => api.patch<Destination>(one(siteId, id), input),
  remove: (id: string) => api.delete(one(siteId, id)),
  test: (id: string) => api.post<TestResult>(`${one(siteId, id)}/test`),
  deliveries: (id: string, filter: LogFilter, before?: number) =>
    api.get<DeliveryPage>(`${one(siteId, id)}/deliveries`, {
      limit: '50',
      ...(filter === 'all' ? {} : { status: filter }),
      ...(before === undefined ? {} : { before: String(before) }),
    }),
  replay: (id: string, ids?: number[]) =>
    api.post<{ requeued: number }>(`${one(siteId, id)}/deliveries/replay`, ids === undefined ? {} : { ids }),
});

export type DestinationsApi = ReturnType<typeof destinationsApi>;
