import { describe, expect, it } from 'vitest';
import { createRefusalLog, type Refusal } from './refusal-log.ts';

function refusal(overrides: Partial<Refusal> = {}): Refusal {
  return {
    reason: 'origin_not_allowed',
    message: 'This site does not accept events from localhost',
    field: 'site',
    siteKey: 'pk_one',
    origin: 'http://localhost:8080',
    requestId: 'req-1',
    ...overrides,
  };
}

describe('refusal log', () => {
  function setup() {
    const lines: Array<{ object: Record<string, unknown>; message: string }> = [];
    let time = 0;
    const log = createRefusalLog({
      log: { warn: (object, message) => lines.push({ object: object as Record<string, unknown>, message }) },
      windowMs: 60_000,
      now: () => time,
    });
    return { lines, log, advance: (ms: number) => (time += ms) };
  }

  it('writes the first refusal with its reason, site key, origin and message', () => {
    const { lines, log } = setup();
    log.record(refusal());
    expect(lines).toEqual([
      {
        object: {
          reason: 'origin_not_allowed',
          siteKey: 'pk_one',
          origin: 'http://localhost:8080',
          field: 'site',
          requestId: 'req-1',
        },
        message: 'tracking request refused: This site does not accept events from localhost',
      },
    ]);
  });

  it('writes one line per reason and site a window, then says how many it left out', () => {
    const { lines, log, advance } = setup();
    for (let index = 0; index < 10; index++) log.record(refusal());
    log.record(refusal({ siteKey: 'pk_two' }));
    log.record(refusal({ reason: 'unknown_site' }));
    expect(lines).toHaveLength(3);
    advance(60_001);
    log.record(refusal());
    expect(lines).toHaveLength(4);
    expect(lines[3]!.object.suppressedSinceLastLine).toBe(9);
  });
});
