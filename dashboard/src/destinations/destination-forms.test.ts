import { describe, expect, it } from 'vitest';
import {
  configFor,
  errorPlace,
  eventsFor,
  initialValues,
  rowsToRules,
  rulesToRows,
  typeSpec,
  TYPE_SPECS,
  withSaved,
  type Destination,
  type FormValues,
  type TypeSpec,
} from './destination-forms.ts';
import { pageSearch, parsePage, type DestinationsPage } from './destinations-url.ts';

const spec = (type: string): TypeSpec => typeSpec(type)!;

function stored(
  type: string,
  config: Record<string, unknown>,
  events: Destination['events'] = [],
): Destination {
  return {
    id: 'dst_1',
    siteId: 'site_1',
    type,
    name: 'Stored',
    enabled: true,
    config,
    events,
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
  };
}

const GA4 = stored('ga4', { measurementId: 'G-OLD1', apiSecretSet: true }, [{ match: '*' }]);
const META = stored('meta', { pixelId: '123', accessTokenSet: true, testEventCode: 'TEST1' });
const ADS = stored('google_ads', {
  customerId: '123-456-7890',
  conversionActionId: '9',
  api: 'datamanager',
  oauth: { clientId: 'client', clientSecretSet: true, refreshTokenSet: true, serviceAccountKeySet: false },
  developerTokenSet: false,
});

describe('the form of each destination type', () => {
  it('has a label and a hint saying where to find every field', () => {
    for (const type of TYPE_SPECS) {
      for (const field of type.fields) {
        expect(field.label, `${type.type}.${field.key}`).not.toBe('');
        expect(field.hint.length, `${type.type}.${field.key}`).toBeGreaterThan(20);
      }
    }
  });

  it('starts an edit from the stored values and never from a secret', () => {
    expect(initialValues(spec('ga4'), GA4)).toEqual({
      name: 'Stored',
      measurementId: 'G-OLD1',
      apiSecret: '',
    });
    expect(initialValues(spec('google_ads'), ADS)).toMatchObject({
      api: 'datamanager',
      credential: 'refresh_token',
      'oauth.clientId': 'client',
      'oauth.clientSecret': '',
      developerToken: '',
    });
    expect(initialValues(spec('meta'))).toMatchObject({ name: '', pixelId: '', testEventCode: '' });
  });
});

describe('configFor', () => {
  it.each<[string, string, FormValues, Record<string, unknown>]>([
    [
      'a new GA4 stream',
      'ga4',
      { measurementId: ' G-ABC ', apiSecret: 's3cret' },
      { measurementId: 'G-ABC', apiSecret: 's3cret' },
    ],
    [
      'a new Meta pixel without the optional fields',
      'meta',
      { pixelId: '1', accessToken: 't', testEventCode: '' },
      { pixelId: '1', accessToken: 't' },
    ],
    [
      'a new Google Ads account with a refresh token (the key field hidden)',
      'google_ads',
      {
        customerId: '123-456-7890',
        conversionActionId: '9',
        api: 'datamanager',
        developerToken: 'left over',
        credential: 'refresh_token',
        'oauth.clientId': 'c',
        'oauth.clientSecret': 's',
        'oauth.refreshToken': 'r',
        'oauth.serviceAccountKey': '{"left":"over"}',
      },
      {
        customerId: '123-456-7890',
        conversionActionId: '9',
        api: 'datamanager',
        oauth: { clientId: 'c', clientSecret: 's', refreshToken: 'r' },
      },
    ],
    [
      'a new Google Ads account with a service account',
      'google_ads',
      {
        customerId: '1',
        conversionActionId: '9',
        api: 'legacy',
        developerToken: 'dev',
        credential: 'service_account',
        'oauth.serviceAccountKey': '{}',
      },
      {
        customerId: '1',
        conversionActionId: '9',
        api: 'legacy',
        developerToken: 'dev',
        oauth: { serviceAccountKey: '{}' },
      },
    ],
    [
      'a webhook',
      'webhook',
      { url: 'https://hooks.slack.com/services/x' },
      { url: 'https://hooks.slack.com/services/x' },
    ],
  ])('creates %s', (_, type, values, config) => {
    expect(configFor(spec(type), values)).toEqual(config);
  });

  it.each<[string, Destination, FormValues, Record<string, unknown>]>([
    [
      'keeps a secret left empty and sends nothing unchanged',
      GA4,
      { measurementId: 'G-OLD1', apiSecret: '' },
      {},
    ],
    [
      'sends a new secret and a changed field',
      GA4,
      { measurementId: 'G-NEW1', apiSecret: 'new' },
      { measurementId: 'G-NEW1', apiSecret: 'new' },
    ],
    [
      'removes an emptied optional field',
      META,
      { pixelId: '123', accessToken: '', testEventCode: '', apiVersion: '' },
      { testEventCode: null },
    ],
    [
      'sends an emptied required field as removed, for the API to name',
      GA4,
      { measurementId: '', apiSecret: '' },
      { measurementId: null },
    ],
    [
      'keeps the OAuth credential when none of it was touched',
      ADS,
      { ...initialValues(spec('google_ads'), ADS), conversionActionId: '10' },
      { conversionActionId: '10' },
    ],
    [
      'sends the OAuth credential whole when a part of it changes',
      ADS,
      { ...initialValues(spec('google_ads'), ADS), 'oauth.refreshToken': '1//new' },
      { oauth: { clientId: 'client', refreshToken: '1//new' } },
    ],
    [
      'switches to a service account',
      ADS,
      {
        ...initialValues(spec('google_ads'), ADS),
        credential: 'service_account',
        'oauth.serviceAccountKey': '{"k":1}',
      },
      { oauth: { serviceAccountKey: '{"k":1}' } },
    ],
    [
      'drops the developer token when leaving the legacy API',
      { ...ADS, config: { ...ADS.config, api: 'legacy', developerTokenSet: true } },
      { ...initialValues(spec('google_ads'), ADS), api: 'datamanager' },
      { api: 'datamanager', developerToken: null },
    ],
  ])('edits: %s', (_, existing, values, config) => {
    expect(configFor(spec(existing.type), values, existing)).toEqual(config);
  });
});

describe('rules', () => {
  it('reads rows back as rules without empty parts or empty rows', () => {
    expect(
      rowsToRules([
        { match: ' purchase ', as: 'Purchase', conversionActionId: '' },
        { match: '', as: '', conversionActionId: '' },
        { match: 'lead', as: '', conversionActionId: '77' },
      ]),
    ).toEqual([
      { match: 'purchase', as: 'Purchase' },
      { match: 'lead', conversionActionId: '77' },
    ]);
  });

  it.each([
    ['a new destination without rules gets its default', [], undefined, undefined],
    [
      'a new destination with a rule',
      [{ match: 'signup', as: '', conversionActionId: '' }],
      undefined,
      [{ match: 'signup' }],
    ],
    ['unchanged rules are left out', rulesToRows([{ match: '*' }]), [{ match: '*' }], undefined],
    ['emptied rules go back to the default', [], [{ match: '*' }], null],
    [
      'changed rules are sent',
      [{ match: 'purchase', as: 'buy', conversionActionId: '' }],
      [{ match: '*' }],
      [{ match: 'purchase', as: 'buy' }],
    ],
  ])('%s', (_, rows, original, events) => {
    expect(eventsFor(rows, original)).toEqual(events);
  });
});

describe('errorPlace', () => {
  const adsValues = initialValues(spec('google_ads'));
  it.each<[string, string | undefined, ReturnType<typeof errorPlace>]>([
    ['ga4', 'config.apiSecret', { kind: 'field', key: 'apiSecret' }],
    ['ga4', 'config.measurementId', { kind: 'field', key: 'measurementId' }],
    ['ga4', 'name', { kind: 'field', key: 'name' }],
    ['ga4', 'events.1.as', { kind: 'field', key: 'events.1.as' }],
    ['google_ads', 'config.oauth.refreshToken', { kind: 'field', key: 'oauth.refreshToken' }],
    ['google_ads', 'config.oauth', { kind: 'field', key: 'oauth.clientId' }],
    ['google_ads', 'config.oauth.serviceAccountKey', { kind: 'form' }],
    ['webhook', 'events', { kind: 'form' }],
    ['ga4', 'config.extra', { kind: 'form' }],
    ['ga4', 'type', { kind: 'form' }],
    ['ga4', undefined, { kind: 'form' }],
  ])('%s: %s', (type, field, place) => {
    expect(errorPlace(spec(type), field, type === 'google_ads' ? adsValues : {})).toEqual(place);
  });
});

describe('the tab’s place in the URL', () => {
  it.each<[string, DestinationsPage]>([
    ['', { view: 'list' }],
    ['?add=meta', { view: 'add', type: 'meta' }],
    ['?destination=dst_1', { view: 'destination', id: 'dst_1', edit: false, log: 'all' }],
    ['?destination=dst_1&edit=1&log=dead', { view: 'destination', id: 'dst_1', edit: true, log: 'dead' }],
  ])('%s', (search, page) => {
    expect(parsePage(search)).toEqual(page);
    expect(pageSearch(page)).toBe(search);
  });

  it.each<[string, DestinationsPage]>([
    ['?add=fax', { view: 'add', type: undefined }],
    ['?destination=', { view: 'list' }],
    ['?destination=dst_1&log=everything', { view: 'destination', id: 'dst_1', edit: false, log: 'all' }],
    ['?destination=%E0%A4%A', { view: 'destination', id: '\uFFFD%A', edit: false, log: 'all' }],
  ])('falls back on a hand-edited URL: %s', (search, page) => {
    expect(parsePage(search)).toEqual(page);
  });
});

describe('withSaved', () => {
  const stored = (id: string, updatedAt: string, name = 'stored') =>
    ({ id, updatedAt, name }) as unknown as Destination;
  const a = stored('dst_a', '2026-12-05T08:00:00.000Z');
  const b = stored('dst_b', '2026-12-05T08:00:00.000Z');
  it.each<[string, Destination[], Destination | undefined, Destination[]]>([
    ['nothing saved: the list', [a, b], undefined, [a, b]],
    [
      'a newer save of a listed one replaces it',
      [a, b],
      stored('dst_a', '2026-12-05T08:01:00.000Z', 'saved'),
      [stored('dst_a', '2026-12-05T08:01:00.000Z', 'saved'), b],
    ],
    [
      'the list already holds that save: the list',
      [a, b],
      stored('dst_a', '2026-12-05T08:00:00.000Z', 'saved'),
      [a, b],
    ],
    ['a new one not listed yet is added', [a], b, [a, b]],
    ['robustness: an empty list', [], a, [a]],
  ])('%s', (_label, list, saved, expected) => {
    expect(withSaved(list, saved)).toEqual(expected);
  });
});
