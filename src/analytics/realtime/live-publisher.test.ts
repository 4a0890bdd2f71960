import { describe, expect, it, vi } from 'vitest';
import { liveChannel } from '../../companies/hot-lead-notification.ts';
import { blankEventRow, type EventRow } from '../../ingest/event-row.ts';
import type { PubSub } from '../../state/interface.ts';
import type { ListenedSites } from './listened-sites.ts';
import { createLivePublisher } from './live-publisher.ts';

function row(siteId: string, id: string, fields: Partial<EventRow> = {}): EventRow {
  return blankEventRow({ id, site_id: siteId, type: 'pageview', received_at: new Date(), ...fields });
}

function listenedTo(...sites: string[]): ListenedSites {
  return {
    has: (siteId) => sites.includes(siteId),
    none: () => sites.length === 0,
    announce: () => undefined,
    close: async () => undefined,
  };
}

function recordingPubSub(publish: PubSub['publish'] = async () => undefined) {
  const published: Array<{ channel: string; ids: string[] }> = [];
  const pubsub: PubSub = {
    async publish(channel, message) {
      published.push({
        channel,
        ids: message.split('\n').map((line) => (JSON.parse(line) as { event: { id: string } }).event.id),
      });
      return publish(channel, message);
    },
    subscribe: async () => async () => undefined,
  };
  return { pubsub, published };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const log = { warn: () => undefined };

describe('live publisher', () => {
  it("publishes one message per listened site per turn, all the turn's events of the site, bots left out", async () => {
    const { pubsub, published } = recordingPubSub();
    const publisher = createLivePublisher({ pubsub, listened: listenedTo('site_a', 'site_b'), log });
    publisher.committed([row('site_a', 'a1'), row('site_c', 'c1'), row('site_a', 'bot', { is_bot: true })]);
    publisher.committed([row('site_b', 'b1'), row('site_a', 'a2')]);
    expect(published).toEqual([]);
    await nextTurn();
    expect(published).toEqual([
      { channel: liveChannel('site_a'), ids: ['a1', 'a2'] },
      { channel: liveChannel('site_b'), ids: ['b1'] },
    ]);
  });

  it('publishes nothing and keeps nothing while no site is listened to', async () => {
    const { pubsub, published } = recordingPubSub();
    const listened = listenedTo();
    const has = vi.spyOn(listened, 'has');
    const publisher = createLivePublisher({ pubsub, listened, log });
    publisher.committed(Array.from({ length: 100 }, (_, index) => row('site_a', `e${index}`)));
    await nextTurn();
    expect(published).toEqual([]);
    expect(has).not.toHaveBeenCalled();
  });

  it('publishes nothing for a batch of bots alone', async () => {
    const { pubsub, published } = recordingPubSub();
    const publisher = createLivePublisher({ pubsub, listened: listenedTo('site_a'), log });
    publisher.committed([row('site_a', 'bot', { is_bot: true })]);
    await nextTurn();
    expect(published).toEqual([]);
  });

  it('drops publishes beyond maxInFlight while earlier ones hang, counts them and logs once a minute', async () => {
    const hanging: Array<() => void> = [];
    const { pubsub, published } = recordingPubSub(
      () => new Promise<void>((resolve) => hanging.push(() => resolve())),
    );
    const warnings: object[] = [];
    let dropped = 0;
    let time = 0;
    const publisher = createLivePublisher({
      pubsub,
      listened: listenedTo('site_a'),
      log: { warn: (object) => warnings.push(object) },
      onDropped: (count) => (dropped += count),
      now: () => time,
      maxInFlight: 2,
    });
    for (let turn = 0; turn < 5; turn++) {
      publisher.committed([row('site_a', `e${turn}`)]);
      await nextTurn();
    }
    expect(published).toHaveLength(2);
    expect([dropped, warnings.length]).toEqual([3, 1]);
    time = 61_000;
    publisher.committed([row('site_a', 'late')]);
    await nextTurn();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatchObject({ droppedSinceLastLine: 3 });
    for (const resolve of hanging) resolve();
    await nextTurn();
    publisher.committed([row('site_a', 'after')]);
    await nextTurn();
    expect(published.at(-1)!.ids).toEqual(['after']);
  });

  it('never throws into the writer when publishing fails', async () => {
    const { pubsub } = recordingPubSub(async () => {
      throw new Error('redis gone');
    });
    let dropped = 0;
    const publisher = createLivePublisher({
      pubsub,
      listened: listenedTo('site_a'),
      log,
      onDropped: (count) => (dropped += count),
    });
    expect(() => publisher.committed([row('site_a', 'e1')])).not.toThrow();
    await nextTurn();
    await nextTurn();
    expect(dropped).toBe(1);
  });
});
