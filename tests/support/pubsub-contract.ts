import { expect } from 'vitest';
import type { PubSubBackend } from '../../server/realtime/pubsub.js';
import { Inbox, until } from './inbox.js';

/** Topics of every shape other code uses or will use: organizations, users, rooms with braces, broadcasts. */
export const CONTRACT_TOPICS = [
  'org:org_contract',
  'admin:broadcast',
  'typing:org_contract:{room}/1',
  'user:usr 1 é',
  ...Array.from({ length: 12 }, (_, i) => `presence:org_spread_${i}`),
];

/** Publishes probes on `topic` until one arrives: the subscription is live (SUBSCRIBE is asynchronous). */
async function live(from: PubSubBackend, topic: string, inbox: Inbox<unknown>): Promise<void> {
  for (let attempt = 0; inbox.items.length === 0; attempt++) {
    if (attempt === 100) throw new Error(`no probe arrived on ${topic} within 10 s`);
    from.publish(topic, { probe: true });
    await inbox.next('a probe', 100).catch(() => undefined);
  }
}

/**
 * What every backend must do, whatever its topology: carry any topic string from one instance's backend to
 * another's, to that topic's listeners only; stop after unsubscribe. Returns the unsubscribe functions still
 * held, for checks of the topology (the caller releases them).
 */
export async function expectTopicsCarried(a: PubSubBackend, b: PubSubBackend): Promise<Array<() => void>> {
  const inboxes = CONTRACT_TOPICS.map(() => new Inbox<unknown>());
  const offs = CONTRACT_TOPICS.map((topic, i) => b.subscribe(topic, (m) => inboxes[i]!.push(m)));
  for (const [i, topic] of CONTRACT_TOPICS.entries()) await live(a, topic, inboxes[i]!);
  const skip = inboxes.map((inbox) => inbox.items.length); // probes, possibly several
  CONTRACT_TOPICS.forEach((topic, i) => a.publish(topic, { n: i, topic }));
  CONTRACT_TOPICS.forEach((topic) => a.publish(topic, { end: true }));
  for (const [i, inbox] of inboxes.entries()) {
    const ended = () => inbox.items.slice(skip[i]).some((m) => (m as { end?: boolean }).end === true);
    await until(ended, `the end marker on ${CONTRACT_TOPICS[i]}`);
    // Probes sent before the first one arrived may come late: they are not messages of the test.
    const got = inbox.items.slice(skip[i]).filter((m) => !(m as { probe?: boolean }).probe);
    expect(got).toEqual([{ n: i, topic: CONTRACT_TOPICS[i] }, { end: true }]);
  }

  // Two listeners on one topic; one leaves: the other still gets messages, the one that left does not.
  const [topic] = CONTRACT_TOPICS as [string];
  const second = new Inbox<unknown>();
  const offSecond = b.subscribe(topic, (m) => second.push(m));
  offs[0]!();
  const before = inboxes[0]!.items.length;
  a.publish(topic, { after: 'unsubscribe' });
  expect(await second.next('the message to the remaining listener')).toEqual({ after: 'unsubscribe' });
  expect(inboxes[0]!.items.length).toBe(before);
  offSecond();
  return offs.slice(1);
}
