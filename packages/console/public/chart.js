// @ts-check
import { h, s } from './dom.js';

const COLORS = ['#1d4e89', '#d97706', '#1a7f37', '#cf222e', '#6f42c1'];

/**
 * A small live line chart drawn in SVG. `series`: names; `push(t, values)` adds a point per series and
 * redraws; the last `capacity` points are kept. The SVG has role="img" and a text summary for screen
 * readers (the latest value of each series).
 */
export class LineChart {
  /**
   * @param {{title: string, series: string[], unit: string, capacity?: number, width?: number, height?: number}} o
   */
  constructor(o) {
    this.o = { capacity: 60, width: 560, height: 200, ...o };
    /** @type {{t:number, v:(number|null)[]}[]} */
    this.points = [];
    this.svg = s('svg', {
      viewBox: `0 0 ${this.o.width} ${this.o.height}`,
      role: 'img',
      'aria-label': `${o.title}: no data yet`,
    });
    this.el = h(
      'figure',
      { class: 'chart card' },
      h('figcaption', {}, h('h2', {}, o.title)),
      this.svg,
      h(
        'div',
        { class: 'legend', 'aria-hidden': 'true' },
        o.series.map((name) => h('span', {}, h('i', {}), name)),
      ),
    );
    // The CSP forbids style attributes in markup; element.style set from script is allowed.
    for (const [i, el] of [...this.el.querySelectorAll('.legend i')].entries()) {
      /** @type {HTMLElement} */ (el).style.background = COLORS[i % COLORS.length];
    }
    this.draw();
  }

  /** @param {number} t @param {(number|null|undefined)[]} values */
  push(t, values) {
    this.points.push({ t, v: values.map((x) => (typeof x === 'number' && Number.isFinite(x) ? x : null)) });
    if (this.points.length > this.o.capacity) this.points.shift();
    this.draw();
  }

  draw() {
    const { width: W, height: H, unit, series } = this.o;
    const L = 48,
      R = 8,
      T = 10,
      B = 22;
    const pts = this.points;
    const all = pts.flatMap((p) => p.v).filter((x) => x !== null);
    const max = niceMax(Math.max(1, ...all));
    const n = Math.max(2, this.o.capacity);
    const x = (i) => L + ((W - L - R) * (i + (n - pts.length))) / (n - 1);
    const y = (v) => T + (H - T - B) * (1 - v / max);
    const kids = [];
    for (let k = 0; k <= 4; k++) {
      const v = (max * k) / 4;
      kids.push(s('line', { class: 'gridline', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      kids.push(s('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
    }
    kids.push(s('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }));
    kids.push(s('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
    kids.push(s('text', { x: W - R, y: H - 6, 'text-anchor': 'end' }, unit));
    if (pts.length > 0) {
      kids.push(s('text', { x: L, y: H - 6 }, `since ${new Date(pts[0].t).toLocaleTimeString()}`));
    }
    series.forEach((_, si) => {
      let d = '';
      pts.forEach((p, i) => {
        const v = p.v[si];
        if (v === null || v === undefined) return;
        d += `${d === '' ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      });
      if (d !== '')
        kids.push(s('path', { d, fill: 'none', stroke: COLORS[si % COLORS.length], 'stroke-width': 2 }));
      // The latest point as a dot: visible from the first sample on.
      const li = pts.length - 1;
      const lv = pts[li]?.v[si];
      if (lv !== null && lv !== undefined)
        kids.push(s('circle', { cx: x(li), cy: y(lv), r: 3, fill: COLORS[si % COLORS.length] }));
    });
    this.svg.replaceChildren(...kids);
    const last = pts[pts.length - 1];
    this.svg.setAttribute(
      'aria-label',
      last === undefined
        ? `${this.o.title}: no data yet`
        : `${this.o.title}, latest: ${series.map((name, i) => `${name} ${last.v[i] === null ? 'n/a' : fmt(last.v[i])} ${unit}`).join(', ')}`,
    );
  }
}

function niceMax(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v) {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2).replace(/\.?0+$/, '') || '0';
}
