import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { MarkAllReadMutation, NotificationUpdatesSubscription, NotificationsQuery } from '../operations';

export function NotificationsBell() {
  const [open, setOpen] = useState(false);
  const [list, reload] = useQuery({ query: NotificationsQuery, requestPolicy: 'network-only' });
  const [live] = useSubscription({ query: NotificationUpdatesSubscription }, (_prev, data) => {
    if (data.notifications.notification) reload({ requestPolicy: 'network-only' });
    return data;
  });
  const [, markAll] = useMutation(MarkAllReadMutation);
  const unread = live.data?.notifications.unreadCount ?? list.data?.unreadNotificationCount ?? 0;
  return (
    <div className="bell">
      <button type="button" aria-label="Notifications" onClick={() => setOpen(!open)}>
        <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" className="bell-icon">
          <path
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
            fill="currentColor"
          />
        </svg>{' '}
        <span className="count" data-testid="unread">
          {unread}
        </span>
      </button>
      {open && (
        <div className="dropdown">
          <button type="button" onClick={() => void markAll({}).then(() => reload({ requestPolicy: 'network-only' }))}>
            Mark all read
          </button>
          <ul>
            {(list.data?.notifications.nodes ?? []).map((n) => (
              <li key={n.id} className={n.read ? 'read' : 'unread'}>
                <strong>{n.title}</strong>
                {n.body && <p>{n.body}</p>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
