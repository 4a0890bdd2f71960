import { minimizeIp } from './ip-address.ts';

/** What IP enrichment adds to an event (the enrichment columns of docs/events.md). */
export interface IpEnrichment {
  country: string | null;
  region: string | null;
  city: string | null;
  asn: number | null;
  asName: string | null;
  visitorClass: string | null;
  companyDomain: string | null;
  companyName: string | null;
  isVpn: boolean | null;
  isHosting: boolean | null;
}

export type IpEnrichmentResult =
  | { status: 'done'; enrichment: IpEnrichment }
  | { status: 'pending' }
  | { status: 'failed' }
  | { status: 'skipped' };

/**
 * The seam where IP enrichment plugs into ingestion. An implementation must answer within
 * `budgetMs`: past it, it answers `pending` and completes the event later in the background.
 */
export interface IpEnricher {
  enrich(ip: string | undefined, budgetMs: number): Promise<IpEnrichmentResult> | IpEnrichmentResult;
  /** The address as it may be stored once enrichment no longer needs it. */
  minimize(ip: string | undefined): string | undefined;
}

/** No provider configured: nothing is looked up and the address is minimised at once. */
export const noIpEnrichment: IpEnricher = {
  enrich: () => ({ status: 'skipped' }),
  minimize: (ip) => minimizeIp(ip),
};
