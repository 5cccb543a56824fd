import type { PubSubBackend } from './pubsub.js';

const ASK_TOPIC = 'instances.ask';
const answerTopic = (instanceId: string) => `instances.answer.${instanceId}`;

/** An instance that has not answered within this long is no longer waited for. */
const FORGET_AFTER_MS = 15_000;

export interface InstanceAnswer<A> {
  instanceId: string;
  answer: A;
}

interface Asked<Q> {
  id: number;
  from: string;
  question: Q;
}

interface Answered {
  id: number;
  instanceId: string;
  answer: unknown;
}

/**
 * Asks every instance sharing the pub/sub a question and gathers the answers (the console's live figures,
 * subscriber lists, ending a user's streams everywhere). There is no membership list: an instance is
 * waited for once it has answered recently (a new one from the call after its first late answer); a call
 * returns when every one of them answered, or after `timeoutMs` with whatever came. In memory there is only this instance, which answers at once.
 */
export class InstanceCalls<Q, A> {
  private next = 0;
  private readonly pending = new Map<number, { answers: InstanceAnswer<A>[]; done: () => void }>();
  /** Instances that answered lately, and when. */
  private readonly known = new Map<string, number>();
  private readonly unsubscribe: Array<() => void>;

  constructor(
    private readonly pubsub: PubSubBackend,
    private readonly instanceId: string,
    private readonly answer: (question: Q) => A | Promise<A>,
    private readonly isQuestion: (value: unknown) => value is Q,
    private readonly timeoutMs = 400,
  ) {
    this.unsubscribe = [
      pubsub.subscribe(ASK_TOPIC, (m) => void this.onAsked(m)),
      pubsub.subscribe(answerTopic(instanceId), (m) => this.onAnswered(m)),
    ];
  }

  async askAll(question: Q): Promise<Array<InstanceAnswer<A>>> {
    if (this.pubsub.kind === 'memory') return [{ instanceId: this.instanceId, answer: await this.answer(question) }];
    const id = ++this.next;
    const answers: InstanceAnswer<A>[] = [];
    const now = Date.now();
    for (const [instance, at] of this.known) if (now - at > FORGET_AFTER_MS) this.known.delete(instance);
    // Waited for: the instances heard from lately. Knowing none yet, the call waits its whole time for them.
    const expected = [...this.known.keys()];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => finish(), this.timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve();
      };
      this.pending.set(id, {
        answers,
        done: () => {
          // An instance not yet known is heard from late, and waited for from the next call on.
          if (expected.length > 0 && expected.every((k) => answers.some((a) => a.instanceId === k))) finish();
        },
      });
      this.pubsub.publish(ASK_TOPIC, { id, from: this.instanceId, question } satisfies Asked<Q>);
    });
    return answers.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  }

  close(): void {
    for (const off of this.unsubscribe) off();
  }

  private async onAsked(message: unknown): Promise<void> {
    const m = message as Partial<Asked<unknown>> | undefined;
    // Anything else on the topic (a foreign publisher, a corrupt message) is ignored.
    if (typeof m?.id !== 'number' || typeof m.from !== 'string' || !this.isQuestion(m.question)) return;
    try {
      const answer = await this.answer(m.question);
      this.pubsub.publish(answerTopic(m.from), { id: m.id, instanceId: this.instanceId, answer } satisfies Answered);
    } catch {
      // The asker gets no answer from this instance and stops waiting at its timeout.
    }
  }

  private onAnswered(message: unknown): void {
    const m = message as Partial<Answered> | undefined;
    if (typeof m?.id !== 'number' || typeof m.instanceId !== 'string') return;
    this.known.set(m.instanceId, Date.now());
    const call = this.pending.get(m.id);
    if (!call || call.answers.some((a) => a.instanceId === m.instanceId)) return;
    call.answers.push({ instanceId: m.instanceId, answer: m.answer as A });
    call.done();
  }
}
