import { useRef, useState } from 'react';
import { useMutation, useSubscription } from 'urql';
import { SetTypingMutation, TypingSubscription } from '../operations';

/** A chat-style box for one room: typing here tells the others; their typing shows below. */
export function TypingBox({ orgId, room, me }: { orgId: string; room: string; me: string }) {
  const [{ data }] = useSubscription({ query: TypingSubscription, variables: { orgId, room } });
  const [, setTyping] = useMutation(SetTypingMutation);
  const [text, setText] = useState('');
  const last = useRef(0);
  const stop = useRef<ReturnType<typeof setTimeout>>(undefined);
  const onChange = (value: string) => {
    setText(value);
    const now = Date.now();
    if (now - last.current > 2_000) {
      last.current = now;
      void setTyping({ orgId, room, typing: true });
    }
    clearTimeout(stop.current);
    stop.current = setTimeout(() => {
      last.current = 0;
      void setTyping({ orgId, room, typing: false });
    }, 3_000);
  };
  const others = (data?.typing.users ?? []).filter((u) => u.userId !== me);
  return (
    <section className="card">
      <h2>Room “{room}”</h2>
      <input
        aria-label="Message"
        placeholder="Type to let others know…"
        value={text}
        onChange={(e) => onChange(e.target.value)}
      />
      <p className="typing" data-testid="typing">
        {others.length === 0
          ? '\u00a0'
          : `${others.map((u) => u.name ?? u.userId).join(', ')} ${others.length === 1 ? 'is' : 'are'} typing…`}
      </p>
    </section>
  );
}
