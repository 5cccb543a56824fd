import { DataTable } from './DataTable';
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import { useSubscription } from 'urql';
import type { InstanceFiguresFieldsFragment } from '../../gql/graphql';
import { LiveStatsSubscription } from '../../operations';
import { type ChartSeries, TimeChart } from './TimeChart';

/** Samples kept: one a second, the last two minutes. */
const KEEP = 120;

interface Sample {
  at: number;
  figures: Map<string, InstanceFiguresFieldsFragment>;
}

/**
 * The console's live charts, fed by Subscription.liveStats (one sample a second from every instance): events,
 * latency, connections by transport, cut-offs and gap fills, for every instance summed or one of them. Services
 * may watch the whole server; OWNERs and ADMINs watch their organization.
 */
export function LiveCharts({ orgId, isService }: { orgId: string; isService: boolean }) {
  const [scope, setScope] = useState<'org' | 'server'>(isService ? 'server' : 'org');
  const [instance, setInstance] = useState('all');
  const [samples, setSamples] = useState<Sample[]>([]);
  const variables = useMemo(() => ({ orgId: scope === 'org' ? orgId : null }), [scope, orgId]);
  const [{ error }] = useSubscription({ query: LiveStatsSubscription, variables }, (_prev, data) => {
    const s = data.liveStats;
    const figures = new Map<string, InstanceFiguresFieldsFragment>();
    for (const f of [...s.instances, s.total]) figures.set(f.instanceId, f);
    setSamples((prev) => [...prev, { at: Date.parse(String(s.at)) / 1000, figures }].slice(-KEEP));
    return data;
  });
  const last = samples.at(-1);
  const instances = last ? [...last.figures.keys()].filter((k) => k !== 'all') : [];
  const serverWide = scope === 'server';
  const pick = (f: (x: InstanceFiguresFieldsFragment) => number | null | undefined) =>
    samples.map((s) => f(s.figures.get(instance) ?? ({} as InstanceFiguresFieldsFragment)) ?? null);
  const x = samples.map((s) => s.at);
  const charts: Array<{ title: string; unit: string; series: ChartSeries[]; data: uPlot.AlignedData }> = [
    serverWide
      ? {
          title: 'Events',
          unit: 'per second',
          series: [
            { label: 'published', color: '#2563eb' },
            { label: 'delivered', color: '#16a34a' },
          ],
          data: [x, pick((f) => f.publishedPerSecond), pick((f) => f.deliveredPerSecond)],
        }
      : {
          title: 'Events',
          unit: 'per second, 10 s average',
          series: [{ label: 'carried', color: '#2563eb' }],
          data: [x, pick((f) => f.eventsPerSecond)],
        },
    {
      title: 'Connections by transport',
      unit: serverWide ? 'open' : 'event streams',
      series: [
        { label: 'graphql-ws', color: '#7c3aed' },
        { label: 'SSE', color: '#ea580c' },
        { label: 'SSE single', color: '#0891b2' },
      ],
      data: [x, pick((f) => f.connections?.ws), pick((f) => f.connections?.sse), pick((f) => f.connections?.sseSingle)],
    },
    ...(serverWide
      ? [
          {
            title: 'Delivery latency',
            unit: 'ms, commit → hand-over',
            series: [
              { label: 'p50', color: '#16a34a' },
              { label: 'p99', color: '#dc2626' },
            ],
            data: [x, pick((f) => f.latencyP50Ms), pick((f) => f.latencyP99Ms)] as uPlot.AlignedData,
          },
          {
            title: 'Cut-offs and gap fills',
            unit: 'per second',
            series: [
              { label: 'slow consumers cut off', color: '#dc2626' },
              { label: 'events filled from the log', color: '#ca8a04' },
            ],
            data: [x, pick((f) => f.cutoffs), pick((f) => f.gapFills)] as uPlot.AlignedData,
          },
        ]
      : []),
  ];
  const redis = last?.figures.get('all')?.redis;
  return (
    <section className="card console-charts" aria-labelledby="charts-title">
      <div className="card-head">
        <h2 id="charts-title">Live figures</h2>
        {isService && (
          <select aria-label="Scope" value={scope} onChange={(e) => setScope(e.target.value as 'org' | 'server')}>
            <option value="server">Whole server</option>
            <option value="org">This organization</option>
          </select>
        )}
        <select aria-label="Instance" value={instance} onChange={(e) => setInstance(e.target.value)}>
          <option value="all">All instances ({instances.length})</option>
          {instances.map((i) => (
            <option key={i} value={i}>
              {i}
            </option>
          ))}
        </select>
        {redis && (
          <span className={`badge badge-redis-${redis}`} data-testid="redis-state">
            Redis: {redis === 'memory' ? 'not used (one instance)' : redis}
          </span>
        )}
      </div>
      {error && <p className="error">{error.message}</p>}
      <div className="charts" data-testid="charts">
        {charts.map((c) => (
          <TimeChart key={`${scope}:${c.title}`} {...c} />
        ))}
      </div>
      <DataTable
        label="Instances table"
        testId="instances"
        headers={['Instance', 'Up', 'Streams ws / SSE / single', 'Subscriptions', 'Events/s']}
        caption="Last second, per instance"
      >
        {[...(last?.figures.values() ?? [])].map((f) => (
          <tr key={f.instanceId}>
            <td>{f.instanceId === 'all' ? 'all instances' : f.instanceId}</td>
            <td>{f.uptimeSeconds} s</td>
            <td>
              {f.connections.ws} / {f.connections.sse} / {f.connections.sseSingle}
            </td>
            <td>{f.subscriptions}</td>
            <td>{f.eventsPerSecond.toFixed(1)}</td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}
