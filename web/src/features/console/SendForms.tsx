import { useState } from 'react';
import { useMutation } from 'urql';
import { PublishEventMutation, SendNotificationMutation } from '../../operations';

/** A test event, published as the signed-in user (the server checks the role and the payload). */
export function SendTestEvent({ orgId }: { orgId: string }) {
  const [result, publish] = useMutation(PublishEventMutation);
  const [channel, setChannel] = useState('system');
  const [type, setType] = useState('console.test');
  const [subjectId, setSubjectId] = useState('');
  const [payload, setPayload] = useState('{"hello": "from the console"}');
  const [parseError, setParseError] = useState('');
  const send = () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch (err) {
      setParseError(`The payload is not JSON: ${(err as Error).message}`);
      return;
    }
    setParseError('');
    void publish({ input: { orgId, channel, type, subjectId: subjectId || null, payload: parsed } });
  };
  return (
    <section className="card" aria-labelledby="test-event-title">
      <h2 id="test-event-title">Send a test event</h2>
      <div className="publish">
        <input aria-label="Test event channel" value={channel} onChange={(e) => setChannel(e.target.value.trim())} />
        <input aria-label="Test event type" value={type} onChange={(e) => setType(e.target.value.trim())} />
        <input
          aria-label="Test event subject"
          placeholder="subject (optional)"
          value={subjectId}
          onChange={(e) => setSubjectId(e.target.value.trim())}
        />
      </div>
      <textarea aria-label="Test event payload" rows={3} value={payload} onChange={(e) => setPayload(e.target.value)} />
      <button type="button" className="primary" disabled={result.fetching} onClick={send}>
        Send event
      </button>
      {(parseError || result.error) && <p className="error">{parseError || result.error?.message}</p>}
      {result.data && !result.error && !parseError && (
        <p className="muted" role="status">
          Stored as #{result.data.publishEvent.sequence}.
        </p>
      )}
    </section>
  );
}

/** A notification to members of the organization, by user id. */
export function SendNotification({ orgId }: { orgId: string }) {
  const [result, send] = useMutation(SendNotificationMutation);
  const [userIds, setUserIds] = useState('');
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const recipients = userIds
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return (
    <section className="card" aria-labelledby="notify-title">
      <h2 id="notify-title">Send a notification</h2>
      <div className="publish">
        <input
          aria-label="Notification recipients"
          placeholder="user ids, comma-separated"
          value={userIds}
          onChange={(e) => setUserIds(e.target.value)}
        />
        <input
          aria-label="Notification title"
          placeholder="title"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
        />
        <input
          aria-label="Notification body"
          placeholder="body (optional)"
          value={body}
          onChange={(e) => setBody(e.target.value)}
        />
      </div>
      <button
        type="button"
        disabled={!recipients.length || !title.trim() || result.fetching}
        onClick={() => void send({ input: { orgId, userIds: recipients, title: title.trim(), body: body || null } })}
      >
        Send notification
      </button>
      {result.error && <p className="error">{result.error.message}</p>}
      {result.data && !result.error && (
        <p className="muted" role="status">
          Sent to {result.data.sendNotification.length} recipient{result.data.sendNotification.length === 1 ? '' : 's'}.
        </p>
      )}
    </section>
  );
}
