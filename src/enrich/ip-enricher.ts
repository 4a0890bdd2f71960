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

export interface EnrichOptions {
  /**
   * The visitor's address may not leave this machine (no analytics consent, and the site does not
   * identify companies under legitimate interest): only the offline databases may answer, never an
   * online provider such as IPinfo, not even later in the background.
   */
  offlineOnly?: boolean;
}

/**
 * The seam where IP enrichment plugs into ingestion. An implementation must answer within
 * `budgetMs`: past it, it answers `pending` and completes the event later in the background.
 */
export interface IpEnricher {
  enrich(
    ip: string | undefined,
    budgetMs: number,
    options?: EnrichOptions,
  ): Promise<IpEnrichmentResult> | IpEnrichmentResult;
  /** The address as it may be stored once enrichment no longer needs it. */
  minimize(ip: string | undefined): string | undefined;
}

/** No provider configured: nothing is looked up and the address is minimised at once. */
export const noIpEnrichment: IpEnricher = {
  enrich: () => ({ status: 'skipped' }),
  minimize: (ip) => minimizeIp(ip),
};
