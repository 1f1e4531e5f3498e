// Small CPU and memory charts: a ring buffer of samples per series, drawn as an inline SVG sparkline.

const SVG = 'http://www.w3.org/2000/svg';
export const WINDOW = 300; // samples kept: 5 minutes at one snapshot a second

/** Samples of every series (host or instance, cpu or memory), keyed "kind:id". */
export class Series {
  constructor() {
    this.data = new Map();
  }

  /**
   * Adds the sample of second `tick` (null when the metric is absent). Seconds with no sample (the cluster was not
   * open, the stream dropped) become gaps, so the chart's time axis stays true; series unfed for a window are dropped.
   */
  push(key, value, tick) {
    let s = this.data.get(key);
    if (!s) this.data.set(key, s = { values: new Array(WINDOW).fill(null), head: 0, count: 0, seen: tick - 1 });
    if (tick <= s.seen) return;
    // A snapshot a second; a late one (up to 2 s) is no gap.
    for (let gap = tick - s.seen > 2 ? Math.min(WINDOW, tick - s.seen - 1) : 0; gap > 0; gap--) {
      s.values[s.head] = null;
      s.head = (s.head + 1) % WINDOW;
      s.count = Math.min(WINDOW, s.count + 1);
    }
    s.values[s.head] = value ?? null;
    s.head = (s.head + 1) % WINDOW;
    s.count = Math.min(WINDOW, s.count + 1);
    s.seen = tick;
  }

  /** The samples taken so far (at most a window), oldest first. */
  values(key) {
    const s = this.data.get(key);
    if (!s) return [];
    return [...s.values.slice(s.head), ...s.values.slice(0, s.head)].slice(WINDOW - s.count);
  }

  prune(tick) {
    for (const [key, s] of this.data) if (tick - s.seen > WINDOW) this.data.delete(key);
  }
}

/** A sparkline element: an SVG with an area and a line, updated in place by draw(). */
export function sparkline(label) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 100 24');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const area = document.createElementNS(SVG, 'path');
  area.setAttribute('class', 'spark-area');
  const line = document.createElementNS(SVG, 'path');
  line.setAttribute('class', 'spark-line');
  line.setAttribute('vector-effect', 'non-scaling-stroke');
  svg.append(area, line);
  return svg;
}

/**
 * Draws values (oldest first, nulls are gaps) scaled to [0, max(floor, peak + 15%)], newest at the right edge. The x axis
 * spans the samples so far, at least 30 s, so a fresh page fills its charts quickly. Charts with no
 * data at all stay empty, so a metric the node does not report shows as nothing next to its "–".
 */
export function draw(svg, values, floor, label) {
  const [area, line] = svg.children;
  const peak = Math.max(floor, 1.15 * Math.max(0, ...values.filter(v => v != null)));
  const slots = Math.max(values.length, 30);
  const step = 100 / (slots - 1);
  const offset = slots - values.length;
  let d = '', a = '', run = [];
  const flush = () => {
    if (run.length > 1) {
      d += run.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(2)},${y.toFixed(2)}`).join('');
      a += `M${run[0][0].toFixed(2)},24` + run.map(([x, y]) => `L${x.toFixed(2)},${y.toFixed(2)}`).join('') + `L${run.at(-1)[0].toFixed(2)},24Z`;
    }
    run = [];
  };
  values.forEach((v, i) => {
    if (v == null) return flush();
    run.push([(offset + i) * step, 23 - (v / peak) * 21]);
  });
  flush();
  line.setAttribute('d', d);
  area.setAttribute('d', a);
  svg.setAttribute('aria-label', label);
}
