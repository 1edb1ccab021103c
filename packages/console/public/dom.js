// @ts-check
/** Tiny DOM helpers: every text goes through textContent, never innerHTML. */

/**
 * Creates an element. `attrs`: attributes (`on*` functions become listeners; `false`/`null` are skipped);
 * children: nodes, strings, numbers, arrays (nested), null/undefined (skipped).
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...any} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/** @param {Node} el @param {any[]} children */
function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/**
 * An SVG element.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...any} children
 * @returns {SVGElement}
 */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs))
    if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

/** Replaces the children of `el`. @param {Element} el @param {...any} children */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** A table with a caption and column headers; rows are arrays of cells (node or text, or {num}). */
export function table(caption, headers, rows, empty = 'Nothing to show.') {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((t) => h('th', { scope: 'col', class: t.num ? 'num' : null }, t.label ?? t)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.length === 0
        ? h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, empty))
        : rows.map((r) =>
            h(
              'tr',
              {},
              r.map((c, i) => h('td', { class: headers[i]?.num ? 'num' : null }, c)),
            ),
          ),
    ),
  );
}

/** A labelled form control. @returns {HTMLElement} */
export function field(label, input, help) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const helpEl = help === undefined ? null : h('p', { class: 'help', id: `${id}-help` }, help);
  if (helpEl) input.setAttribute('aria-describedby', `${id}-help`);
  return h('div', {}, h('label', { for: id }, label), input, helpEl);
}

/** A state badge. */
export function badge(text, tone) {
  return h('span', { class: `badge ${tone}` }, text);
}

/** ms since epoch as local date and time with milliseconds. */
export function time(ms) {
  if (typeof ms !== 'number') return '';
  const d = new Date(ms);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** A duration in ms, short. */
export function dur(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}
