import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { createEnrichment, loadGeoProviders } from '../src/enrich/index.ts';
import { acceptEvents, type AcceptEventsDeps, type EventResult } from '../src/ingest/accept-events.ts';
import type { TrackEvent } from '../src/ingest/track-schema.ts';
import {
  addressesOf,
  geoDatabase,
  GOALS_A,
  GOALS_C,
  inWaves,
  referenceDataSet,
  SITES,
  type SiteLabel,
} from './analytics-reference-data.ts';
import type { SentEvent } from './analytics-reference-model.ts';
import { writeMmdb } from './fakes/mmdb-writer.ts';
import { createTenant, type TestContext, type TestTenant, type useTestApp } from './helpers.ts';

/**
 * The reference event set (analytics-reference-data.ts) sent through real ingestion: three sites in
 * their time zones (A and C with their goals), every request answered as the ingest route would.
 */

export interface ReferenceSite {
  label: SiteLabel;
  id: string;
  siteKey: string;
  owner: TestTenant;
}

/** useTestApp's enrichment option: offline geography from a database written for the run. */
export function referenceEnrichment(): {
  enrichment: NonNullable<Parameters<typeof useTestApp>[0]>['enrichment'];
  cleanup: () => Promise<void>;
} {
  let geoDir: string | undefined;
  return {
    enrichment: async (state, metrics) => {
      geoDir = await mkdtemp(path.join(os.tmpdir(), 'beacon-reference-geo-'));
      const file = path.join(geoDir, 'geo.mmdb');
      await writeFile(file, writeMmdb(geoDatabase(), { ipVersion: 6 }));
      return createEnrichment({
        providers: await loadGeoProviders({
          ipinfo: { token: undefined, url: 'http://127.0.0.1:9' },
          geoipDb: file,
        }),
        sharedCache: state.cache,
        metrics,
        log: { info: () => undefined, warn: () => undefined },
      });
    },
    cleanup: async () => {
      if (geoDir !== undefined) await rm(geoDir, { recursive: true, force: true });
    },
  };
}

async function createSite(context: TestContext, owner: TestTenant, label: SiteLabel): Promise<ReferenceSite> {
  const response = await context.app.inject({
    method: 'POST',
    url: '/api/sites',
    headers: owner.auth,
    payload: { name: `Site ${label}`, domain: SITES[label].domain },
  });
  expect(response.statusCode, response.body).toBe(201);
  const { id, siteKey } = response.json();
  // A site is created in UTC; its time zone is a setting of its own.
  const zoned = await context.app.inject({
    method: 'PATCH',
    url: `/api/sites/${id}`,
    headers: owner.auth,
    payload: { timezone: SITES[label].timezone },
  });
  expect(zoned.statusCode, zoned.body).toBe(200);
  return { label, id, siteKey, owner };
}

export interface IngestedReference {
  sites: Record<SiteLabel, ReferenceSite>;
  /** What was sent to each site, in order. */
  sent: Record<SiteLabel, SentEvent[]>;
  /** What ingestion answered for each event, against whether its eventId had been sent before. */
  answers: Array<{ site: SiteLabel; eventId: string; status: EventResult['status']; sentBefore: boolean }>;
}

export async function ingestReferenceDataSet(context: TestContext): Promise<IngestedReference> {
  const agencyOwner = await createTenant(context);
  const otherAgencyOwner = await createTenant(context);
  const sites = {
    A: await createSite(context, agencyOwner, 'A'),
    B: await createSite(context, agencyOwner, 'B'),
    C: await createSite(context, otherAgencyOwner, 'C'),
  };
  for (const [label, goals] of [
    ['A', GOALS_A],
    ['C', GOALS_C],
  ] as const) {
    for (const goal of goals) {
      const response = await context.app.inject({
        method: 'POST',
        url: `/api/sites/${sites[label].id}/goals`,
        headers: sites[label].owner.auth,
        payload: Object.fromEntries(Object.entries(goal).filter(([, value]) => value !== null)),
      });
      expect(response.statusCode, response.body).toBe(201);
    }
  }

  const { requests } = referenceDataSet();
  // Events land in the partition of the day they are received: past days have none yet.
  const days = [
    ...new Set(requests.map((request) => new Date(request.receivedAt).toISOString().slice(0, 10))),
  ];
  await context.db.query('SELECT ensure_event_partitions(day::date, 1) FROM unnest($1::text[]) AS day', [
    days,
  ]);
  // Looked up once now, every address is answered from memory within ingestion's time budget.
  for (const ip of addressesOf(requests)) await context.enrichment!.service!.resolve(ip);

  const deps: AcceptEventsDeps = {
    ingestion: context.ingestion,
    rateLimits: context.state.rateLimits,
    limits: { perIpPerMinute: 1_000_000, perSitePerMinute: 1_000_000 },
    countOutcome: () => undefined,
    sealIp: (ip) => ip,
  };
  const sent: Record<SiteLabel, SentEvent[]> = { A: [], B: [], C: [] };
  const answers: IngestedReference['answers'] = [];
  const seen = new Set<string>();
  for (const wave of inWaves(requests, 8)) {
    const results = await Promise.all(
      wave.map((request) =>
        acceptEvents(deps, {
          caller: {
            ip: request.ip,
            limitKey: request.ip ?? 'none',
            userAgent: request.userAgent,
            origin: `https://${SITES[request.site].domain}`,
            referer: undefined,
            writeKey: undefined,
            gpc: false,
            optOut: false,
            dnt: false,
          },
          events: request.events.map(
            ({ track, truth }) =>
              ({ ...track, site: sites[request.site].siteKey, ts: truth.at + request.skew }) as TrackEvent,
          ),
          receivedAt: new Date(request.receivedAt),
          sentAt: request.receivedAt + request.skew,
          fieldOf: (index, field) => `events.${index}.${field}`,
          prechargedEvents: 0,
        }),
      ),
    );
    wave.forEach((request, position) =>
      request.events.forEach(({ truth }, index) => {
        const key = `${request.site} ${truth.eventId}`;
        answers.push({
          site: request.site,
          eventId: truth.eventId,
          status: results[position]![index]!.status,
          sentBefore: seen.has(key),
        });
        seen.add(key);
        sent[request.site].push(truth);
      }),
    );
  }
  return { sites, sent, answers };
}
