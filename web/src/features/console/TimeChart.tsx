import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Seconds a chart shows. */
const WINDOW_S = 120;

export interface ChartSeries {
  label: string;
  color: string;
}

/**
 * A live line chart (uPlot): x is seconds since the epoch, one line per series. The canvas is described for
 * screen readers by the caption and the latest values, which are also shown as the legend.
 */
export function TimeChart(props: { title: string; unit: string; series: ChartSeries[]; data: uPlot.AlignedData }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = props.series.map((s) => s.label).join('|');
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: 150,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        // The last WINDOW_S seconds, whatever has arrived so far.
        x: { time: true, range: (_u, _min, max) => [max - WINDOW_S, max] },
        y: { range: (_u, min, max) => [0, Math.max(1, max ?? min ?? 1) * 1.1] },
      },
      axes: [{ stroke: '#555' }, { stroke: '#555', size: 44 }],
      series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false }))],
    };
    const u = new uPlot(opts, props.data, el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: 150 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the lines change; new data goes through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);
  useEffect(() => plot.current?.setData(props.data), [props.data]);
  const latest = props.series.map((s, i) => {
    const column = props.data[i + 1] as Array<number | null> | undefined;
    const value = column?.at(-1);
    return { ...s, value: value === null || value === undefined ? '–' : formatValue(value) };
  });
  const summary = latest.map((s) => `${s.label} ${s.value}`).join(', ');
  return (
    <figure className="chart">
      <figcaption>
        {props.title} <span className="muted">({props.unit})</span>
      </figcaption>
      <div ref={box} role="img" aria-label={`${props.title}, latest: ${summary}`} />
      <ul className="legend">
        {latest.map((s) => (
          <li key={s.label}>
            <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
            {s.label} <strong>{s.value}</strong>
          </li>
        ))}
      </ul>
    </figure>
  );
}

const formatValue = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
