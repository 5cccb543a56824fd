import { useState } from 'react';
import { Inspector } from './Inspector';
import { LiveCharts } from './LiveCharts';
import { Members } from './Members';
import { Settings } from './Settings';
import { Subscribers } from './Subscribers';

const SECTIONS = ['Live figures', 'Subscribers', 'Members', 'Settings', 'Inspector'] as const;
type Section = (typeof SECTIONS)[number];

/** The operator console (OWNER, ADMIN, service tokens): one section at a time, chosen in its own navigation. */
export function ConsolePage({ orgId, isService }: { orgId: string; isService: boolean }) {
  const [section, setSection] = useState<Section>('Live figures');
  return (
    <main className="console">
      <nav aria-label="Console sections" className="sections">
        {SECTIONS.map((s) => (
          <button key={s} type="button" aria-current={section === s ? 'page' : undefined} onClick={() => setSection(s)}>
            {s}
          </button>
        ))}
      </nav>
      {section === 'Live figures' && <LiveCharts orgId={orgId} isService={isService} />}
      {section === 'Subscribers' && <Subscribers orgId={orgId} />}
      {section === 'Members' && <Members orgId={orgId} />}
      {section === 'Settings' && <Settings orgId={orgId} />}
      {section === 'Inspector' && <Inspector orgId={orgId} />}
    </main>
  );
}
