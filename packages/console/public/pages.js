// @ts-check
import { ApiError, api, del, get, post, put } from './api.js';
import { LineChart } from './chart.js';
import { badge, dur, field, h, replace, s, table, time } from './dom.js';

/**
 * Each page renders into `root` and gets `ctx`: `say(text, bad)` writes the status line (aria-live),
 * `every(ms, fn)` runs fn now and then periodically until the page is left.
 * @typedef {{ say: (t: string, bad?: boolean) => void, every: (ms: number, fn: () => Promise<void>) => void }} Ctx
 */

const enc = encodeURIComponent;

/** The error as one line: `CODE: message (field)`. */
export function describe(err) {
  if (err instanceof ApiError) {
    const f = err.details?.field ? ` (field ${err.details.field})` : '';
    return `${err.code}: ${err.message}${f}`;
  }
  return String(err?.message ?? err);
}

function stateTone(state) {
  return state === 'bound' ? 'ok' : state === 'connecting' ? 'warn' : state === 'down' ? 'bad' : 'muted';
}

// ---------------------------------------------------------------- dashboard

/** @param {HTMLElement} root @param {Ctx} ctx */
export function dashboardPage(root, ctx) {
  const tput = new LineChart({
    title: 'Throughput (all connectors)',
    series: ['submitted', 'delivered', 'failed'],
    unit: 'msg/s',
  });
  const lat = new LineChart({
    title: 'Latency (selected account)',
    series: ['submit p50', 'submit p90', 'deliver p50'],
    unit: 'ms',
  });
  const kSub = h('div', { class: 'v' }, '–');
  const kBound = h('div', { class: 'v' }, '–');
  const kInflight = h('div', { class: 'v' }, '–');
  const kAccepted = h('div', { class: 'v' }, '–');
  const acct = h('select', { id: 'dash-account' });
  const hops = h(
    'div',
    { class: 'card', id: 'hop-latency' },
    h('h2', {}, 'Per-hop latency'),
    h('p', { class: 'muted' }, 'Choose an account.'),
  );
  replace(
    root,
    h('h1', {}, 'Dashboard'),
    h(
      'div',
      { class: 'kpis' },
      h('div', { class: 'kpi' }, kSub, h('div', { class: 'l' }, 'submitted/s now')),
      h('div', { class: 'kpi' }, kBound, h('div', { class: 'l' }, 'connectors bound')),
      h('div', { class: 'kpi' }, kInflight, h('div', { class: 'l' }, 'in flight to carriers')),
      h('div', { class: 'kpi' }, kAccepted, h('div', { class: 'l' }, 'messages (account sample)')),
    ),
    h('div', { class: 'grid' }, tput.el, h('div', {}, field('Account for latency', acct), lat.el)),
    hops,
  );

  /** @type {Map<string, Record<string, number>>} */
  let prev = new Map();
  let prevAt = 0;
  ctx.every(2000, async () => {
    const { items } = await get('/v1/connectors');
    const stats = await Promise.all(
      items.map((c) => get(`/v1/stats/connectors/${enc(c.id)}`).catch(() => undefined)),
    );
    const now = Date.now();
    const next = new Map();
    let sub = 0,
      dlv = 0,
      fail = 0,
      have = false;
    stats.forEach((st) => {
      if (!st) return;
      next.set(st.connector, st.counters);
      const p = prev.get(st.connector);
      if (p && prevAt > 0) {
        have = true;
        const dt = (now - prevAt) / 1000;
        sub += Math.max(0, (st.counters.submitted ?? 0) - (p.submitted ?? 0)) / dt;
        dlv += Math.max(0, (st.counters.delivered ?? 0) - (p.delivered ?? 0)) / dt;
        fail += Math.max(0, (st.counters.failed ?? 0) - (p.failed ?? 0)) / dt;
      }
    });
    prev = next;
    prevAt = now;
    if (have) {
      tput.push(now, [sub, dlv, fail]);
      kSub.textContent = sub.toFixed(1);
    }
    kBound.textContent = `${items.filter((c) => c.live?.state === 'bound').length} / ${items.length}`;
    kInflight.textContent = String(items.reduce((n, c) => n + (c.live?.inFlight ?? 0), 0));
  });

  let accountsLoaded = false;
  ctx.every(5000, async () => {
    if (!accountsLoaded) {
      const { items } = await get('/v1/accounts');
      replace(
        acct,
        items.map((a) => h('option', { value: a.id }, a.id)),
      );
      accountsLoaded = true;
      acct.addEventListener('change', () => void refreshLatency().catch((e) => ctx.say(describe(e), true)));
    }
    await refreshLatency();
  });

  async function refreshLatency() {
    const id = /** @type {HTMLSelectElement} */ (acct).value;
    if (!id) return;
    const st = await get(`/v1/stats/accounts/${enc(id)}?sample=200`);
    lat.push(Date.now(), [st.latencyMs?.submit?.p50, st.latencyMs?.submit?.p90, st.latencyMs?.deliver?.p50]);
    kAccepted.textContent = String(st.messages ?? 0);
    // Per-hop latency from the newest messages' histories (the time each hop was first reached).
    const list = await get(`/v1/messages?account=${enc(id)}&limit=10`);
    const traces = await Promise.all(
      list.items.map((m) => get(`/v1/messages/${enc(m.id)}`).catch(() => undefined)),
    );
    /** @type {Record<string, number[]>} */
    const byHop = {};
    for (const t of traces) {
      if (!t) continue;
      for (const [hop, ms] of Object.entries(t.timeline.hops)) {
        byHop[hop] = byHop[hop] ?? [];
        byHop[hop].push(/** @type {number} */ (ms));
      }
    }
    const rows = Object.entries(byHop)
      .map(([hop, v]) => [hop, median(v)])
      .sort((a, b) => a[1] - b[1]);
    const max = Math.max(1, ...rows.map((r) => r[1]));
    replace(
      hops,
      h(
        'h2',
        {},
        `Per-hop latency — median over the newest ${traces.filter(Boolean).length} messages of ${id}`,
      ),
      table(
        'Time from creation to each hop',
        ['Hop', { label: 'After creation', num: true }, 'Share'],
        rows.map(([hop, ms]) => [hop, dur(ms), hbar(ms / max)]),
        'No messages for this account yet.',
      ),
    );
  }
}

function median(v) {
  const s2 = [...v].sort((a, b) => a - b);
  return s2[Math.floor((s2.length - 1) / 2)] ?? 0;
}

function hbar(frac) {
  return s(
    'svg',
    { viewBox: '0 0 200 10', width: 200, height: 10, 'aria-hidden': 'true' },
    s('rect', { class: 'bar', x: 0, y: 0, height: 10, width: Math.max(1, 200 * frac) }),
  );
}

// ---------------------------------------------------------------- connectors

/** @param {HTMLElement} root @param {Ctx} ctx */
export function connectorsPage(root, ctx) {
  const box = h('div', { class: 'card' }, 'Loading…');
  replace(root, h('h1', {}, 'Connectors'), box);
  const load = async () => {
    const { items } = await get('/v1/connectors');
    replace(
      box,
      table(
        `${items.length} connectors, live state refreshed every 3 s`,
        [
          'Id',
          'Kind',
          'Enabled',
          'State',
          { label: 'Sessions', num: true },
          { label: 'In flight', num: true },
          { label: 'Rate', num: true },
          'Last error',
          'Actions',
        ],
        items.map((c) => [
          h('strong', {}, c.id),
          c.kind,
          c.enabled === false ? badge('disabled', 'muted') : badge('enabled', 'ok'),
          badge(c.live?.state ?? 'unknown', stateTone(c.live?.state)),
          c.live?.sessions ?? '–',
          c.live?.inFlight ?? '–',
          c.live?.rate === undefined ? '–' : `${c.live.rate}/s`,
          c.live?.lastError ?? '',
          h(
            'span',
            { class: 'row-actions' },
            h(
              'button',
              {
                type: 'button',
                class: 'small secondary',
                'aria-label': `${c.enabled === false ? 'Enable' : 'Disable'} connector ${c.id}`,
                onclick: async () => {
                  const op = c.enabled === false ? 'enable' : 'disable';
                  try {
                    await post(`/v1/connectors/${enc(c.id)}/${op}`, undefined, { 'if-match': `"${c.rev}"` });
                    ctx.say(`Connector ${c.id}: ${op}d.`);
                    await load();
                  } catch (e) {
                    ctx.say(describe(e), true);
                  }
                },
              },
              c.enabled === false ? 'Enable' : 'Disable',
            ),
          ),
        ]),
        'No connectors configured.',
      ),
    );
  };
  ctx.every(3000, load);
}

// ---------------------------------------------------------------- routes

function filterText(f) {
  const { type, ...rest } = f;
  return `${type}(${Object.entries(rest)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(', ')})`;
}
function actionText(a) {
  if (!a) return '';
  if (a.type === 'connector') return `→ ${a.connector}`;
  if (a.type === 'failover') return `failover ${a.connectors.join(' → ')}`;
  if (a.type === 'split') return `split ${a.targets.map((t) => `${t.connector}:${t.weight}`).join(', ')}`;
  if (a.type === 'reject') return `reject${a.error ? ` ${a.error}` : ''}`;
  if (a.type === 'account') return `→ account ${a.account}`;
  return JSON.stringify(a);
}

/** @param {HTMLElement} root @param {Ctx} ctx */
export function routesPage(root, ctx) {
  const tables = h('div', {}, 'Loading…');
  const dialog = /** @type {HTMLDialogElement} */ (h('dialog', { 'aria-labelledby': 'edit-title' }));
  const result = h('div', { id: 'dry-run-result', 'aria-live': 'polite' });
  const dr = {
    direction: h(
      'select',
      { id: 'dr-direction' },
      h('option', { value: 'mt' }, 'MT (to a carrier)'),
      h('option', { value: 'mo' }, 'MO (from a carrier)'),
    ),
    from: h('input', { id: 'dr-from', value: 'HUB', required: true }),
    to: h('input', { id: 'dr-to', placeholder: '+821012345678', required: true }),
    text: h('input', { id: 'dr-text', placeholder: 'message text' }),
    account: h('input', { id: 'dr-account', placeholder: 'account id (MT)' }),
    connector: h('input', { id: 'dr-connector', placeholder: 'connector id (MO)' }),
  };
  const form = h(
    'form',
    { class: 'card', id: 'dry-run' },
    h('h2', {}, 'Dry run'),
    h('p', { class: 'help' }, 'Which route and connector a message would take. Nothing is sent.'),
    h(
      'div',
      { class: 'form-row' },
      field('Direction', dr.direction),
      field('From', dr.from),
      field('To', dr.to),
      field('Account', dr.account),
      field('Connector', dr.connector),
    ),
    field('Text', dr.text),
    h('button', { type: 'submit' }, 'Run dry run'),
    result,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = (el) => /** @type {HTMLInputElement} */ (el).value.trim();
    const body = { direction: v(dr.direction), from: v(dr.from), to: v(dr.to), text: v(dr.text) };
    if (v(dr.account)) body.account = v(dr.account);
    if (v(dr.connector)) body.connector = v(dr.connector);
    try {
      const r = await post('/v1/routes/dry-run', body);
      const d = r.decision;
      replace(
        result,
        h(
          'p',
          {},
          h('strong', {}, 'Decision: '),
          d.type === 'connector'
            ? `route ${d.routeId} → connector ${d.connector}${d.fallbacks?.length ? ` (fallbacks ${d.fallbacks.join(', ')})` : ''}`
            : d.type === 'account'
              ? `route ${d.routeId} → account ${d.account}`
              : `${d.type}${d.routeId ? ` by route ${d.routeId}` : ''}${d.error ? ` (${d.error})` : ''}`,
        ),
        table(
          'Routes checked, in order',
          ['Route', { label: 'Order', num: true }, 'Outcome', 'Why'],
          r.checked.map((c) => [
            c.routeId,
            c.order,
            badge(c.outcome, c.outcome === 'matched' ? 'ok' : 'muted'),
            c.failed ? `filter ${c.failed.index} ${c.failed.type}: ${c.failed.reason}` : '',
          ]),
        ),
      );
    } catch (e) {
      replace(result, h('p', { class: 'error', role: 'alert' }, describe(e)));
    }
  });
  replace(root, h('h1', {}, 'Routes'), tables, form, dialog);

  const load = async () => {
    const { items } = await get('/v1/routes');
    const byTable = { mt: items.filter((r) => r.table === 'mt'), mo: items.filter((r) => r.table === 'mo') };
    replace(
      tables,
      ['mt', 'mo'].map((t) =>
        h(
          'div',
          { class: 'card' },
          table(
            `${t.toUpperCase()} routes — evaluated top to bottom`,
            [{ label: 'Order', num: true }, 'Id', 'Enabled', 'Filters', 'Action', 'Actions'],
            byTable[t].map((r, i, arr) => [
              r.order,
              h('strong', {}, r.id),
              r.enabled === false ? badge('off', 'muted') : badge('on', 'ok'),
              (r.filters ?? []).map(filterText).join(' and ') || h('span', { class: 'muted' }, 'any message'),
              actionText(r.action),
              h(
                'span',
                { class: 'row-actions' },
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'small secondary',
                    'aria-label': `Move ${r.id} up`,
                    disabled: i === 0 || r.order === 0,
                    onclick: () => move(t, arr, i, -1),
                  },
                  '↑',
                ),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'small secondary',
                    'aria-label': `Move ${r.id} down`,
                    disabled: i >= arr.length - 1 || r.order === 0 || arr[i + 1]?.order === 0,
                    onclick: () => move(t, arr, i, 1),
                  },
                  '↓',
                ),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'small',
                    'aria-label': `Edit route ${r.id}`,
                    onclick: () => edit(r),
                  },
                  'Edit',
                ),
              ),
            ]),
            'No routes in this table.',
          ),
        ),
      ),
    );
  };

  async function move(t, arr, i, dir) {
    const ids = arr.map((r) => r.id);
    const [x] = ids.splice(i, 1);
    ids.splice(i + dir, 0, x);
    try {
      await post('/v1/routes/reorder', { table: t, ids });
      ctx.say(`${t.toUpperCase()} table reordered.`);
      await load();
    } catch (e) {
      ctx.say(describe(e), true);
    }
  }

  function edit(r) {
    const { rev, ...doc } = r;
    const ta = /** @type {HTMLTextAreaElement} */ (
      h('textarea', { id: 'route-json', rows: 16, spellcheck: 'false' })
    );
    ta.value = JSON.stringify(doc, null, 2);
    const err = h('p', { class: 'error', role: 'alert' });
    replace(
      dialog,
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: 'edit-title' }, `Edit route ${r.id} (revision ${rev})`),
        field(
          'Route (JSON: order, filters, action, enabled)',
          ta,
          'The whole table is validated on save; a concurrent change answers 409.',
        ),
        err,
        h(
          'button',
          {
            type: 'button',
            onclick: async () => {
              let body;
              try {
                body = JSON.parse(ta.value);
              } catch (e) {
                err.textContent = `Not JSON: ${e.message}`;
                return;
              }
              try {
                await put(`/v1/routes/${enc(r.id)}`, body, { 'if-match': `"${rev}"` });
                dialog.close();
                ctx.say(`Route ${r.id} saved.`);
                await load();
              } catch (e) {
                err.textContent = describe(e);
              }
            },
          },
          'Save',
        ),
        ' ',
        h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
      ),
    );
    dialog.showModal();
    ta.focus();
  }

  ctx.every(15_000, load);
}

// ---------------------------------------------------------------- messages

/** @param {HTMLElement} root @param {Ctx} ctx @param {string | undefined} initialId */
export function messagesPage(root, ctx, initialId) {
  const idIn = h('input', { id: 'msg-id', placeholder: '16 hex digits or decimal', autocomplete: 'off' });
  const acctIn = h('input', { id: 'msg-account', placeholder: 'account id' });
  const stateIn = h(
    'select',
    { id: 'msg-state' },
    [
      '',
      'accepted',
      'routed',
      'submitted',
      'delivered',
      'undeliverable',
      'expired',
      'rejected',
      'deleted',
      'unknown',
    ].map((v) => h('option', { value: v }, v || 'any')),
  );
  const rcptIn = h('input', { id: 'msg-recipient', placeholder: '+8210…' });
  const out = h('div', { id: 'msg-result' });
  const byId = h(
    'form',
    { class: 'card', id: 'trace-form' },
    h('h2', {}, 'Trace one message'),
    field('Message id', idIn),
    h('button', { type: 'submit' }, 'Show trace'),
  );
  const search = h(
    'form',
    { class: 'card', id: 'search-form' },
    h('h2', {}, 'Search'),
    h(
      'div',
      { class: 'form-row' },
      field('Account', acctIn),
      field('State', stateIn),
      field('Recipient', rcptIn),
    ),
    h('button', { type: 'submit' }, 'Search'),
  );
  replace(root, h('h1', {}, 'Messages'), h('div', { class: 'grid' }, byId, search), out);

  byId.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = /** @type {HTMLInputElement} */ (idIn).value.trim();
    if (id) location.hash = `#/messages/${enc(id)}`;
  });
  search.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = (el) => /** @type {HTMLInputElement} */ (el).value.trim();
    const q = new URLSearchParams({ account: v(acctIn), limit: '50' });
    if (v(stateIn)) q.set('state', v(stateIn));
    if (v(rcptIn)) q.set('recipient', v(rcptIn));
    try {
      const r = await get(`/v1/messages?${q}`);
      replace(
        out,
        h(
          'div',
          { class: 'card' },
          table(
            `${r.items.length} messages (newest first)`,
            ['Id', 'Created', 'State', 'From', 'To', 'Connector'],
            r.items.map((m) => [
              h('a', { href: `#/messages/${enc(m.id)}` }, m.id),
              time(m.createdAt),
              m.state,
              m.from,
              m.to.join(', '),
              m.route?.connector ?? '',
            ]),
            'No messages match.',
          ),
        ),
      );
    } catch (e) {
      replace(out, h('p', { class: 'error', role: 'alert' }, describe(e)));
    }
  });

  if (initialId) {
    /** @type {HTMLInputElement} */ (idIn).value = initialId;
    void showTrace(initialId);
  }

  async function showTrace(id) {
    try {
      const { message: m, timeline } = await get(`/v1/messages/${enc(id)}`);
      const total = Math.max(1, timeline.totalMs);
      replace(
        out,
        h(
          'section',
          { class: 'card', id: 'trace', 'aria-labelledby': 'trace-title' },
          h('h2', { id: 'trace-title' }, `Message ${m.id}`),
          h(
            'p',
            {},
            `${m.direction.toUpperCase()} ${m.kind} from ${m.from.value} to ${m.to.map((a) => a.value).join(', ')} — state `,
            badge(
              m.state,
              m.state === 'delivered'
                ? 'ok'
                : ['undeliverable', 'expired', 'rejected'].includes(m.state)
                  ? 'bad'
                  : 'warn',
            ),
            m.route ? ` — route ${m.route.routeId ?? ''} → ${m.route.connector ?? ''}` : '',
            ` — total ${dur(timeline.totalMs)}`,
          ),
          table(
            'Every hop with its time',
            [
              'Time',
              'Hop',
              'State',
              { label: '+ since created', num: true },
              { label: '+ since previous', num: true },
              'Timeline',
              'By',
              'Detail',
            ],
            timeline.entries.map((e) => [
              time(e.at),
              h('strong', {}, e.hop),
              e.state ?? '',
              dur(e.sinceCreatedMs),
              dur(e.sincePreviousMs),
              s(
                'svg',
                { viewBox: '0 0 200 10', width: 200, height: 10, 'aria-hidden': 'true' },
                s('rect', {
                  class: 'bar',
                  x: (200 * (e.sinceCreatedMs - e.sincePreviousMs)) / total,
                  y: 0,
                  height: 10,
                  width: Math.max(1, (200 * e.sincePreviousMs) / total),
                }),
              ),
              e.by ?? '',
              [
                e.connector,
                e.upstreamId,
                e.error,
                e.detail,
                e.outcome && e.outcome !== 'ok' ? e.outcome : undefined,
              ]
                .filter(Boolean)
                .join(' · '),
            ]),
          ),
        ),
      );
      ctx.say(`Trace of ${m.id}: ${timeline.entries.length} hops.`);
    } catch (e) {
      replace(out, h('p', { class: 'error', role: 'alert' }, describe(e)));
    }
  }
}

// ---------------------------------------------------------------- campaigns

/** @param {HTMLElement} root @param {Ctx} ctx */
export function campaignsPage(root, ctx) {
  const inputs = {
    file: h('input', {
      id: 'cp-file',
      name: 'file',
      type: 'file',
      accept: '.csv,.tsv,.txt,.xlsx',
      required: true,
    }),
    account: h('input', { id: 'cp-account', name: 'account', required: true, placeholder: 'account id' }),
    password: h('input', {
      id: 'cp-password',
      name: 'password',
      type: 'password',
      autocomplete: 'off',
      maxlength: 8,
    }),
    column: h('input', { id: 'cp-column', name: 'column', placeholder: 'phone' }),
    text: h('textarea', {
      id: 'cp-text',
      name: 'text',
      rows: 3,
      placeholder: 'Hello {name}, your code is {code}.',
    }),
    from: h('input', { id: 'cp-from', name: 'from', placeholder: 'HUB' }),
    rate: h('input', {
      id: 'cp-rate',
      name: 'rate',
      type: 'number',
      min: 0,
      step: 'any',
      placeholder: 'unlimited',
    }),
    waitReceipts: h('input', {
      id: 'cp-wait',
      name: 'waitReceipts',
      type: 'number',
      min: 0,
      max: 86400,
      placeholder: '0',
    }),
  };
  const err = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'card', id: 'campaign-form' },
    h('h2', {}, 'New campaign'),
    h(
      'p',
      { class: 'help' },
      'Sent through Hub’s own SMPP interface as the account, like any client. A column of numbers; the text from the template ({column} fields) or from a text/message column.',
    ),
    h(
      'div',
      { class: 'form-row' },
      field('File (.csv, .xlsx)', inputs.file),
      field('Account', inputs.account),
      field(
        'SMPP password',
        inputs.password,
        'Only when no campaign password is configured for the account.',
      ),
      field('Number column', inputs.column, 'Default: phone, number, msisdn… or the first column.'),
      field('Sender', inputs.from),
      field('Rate (msg/s)', inputs.rate),
      field('Wait for receipts (s)', inputs.waitReceipts),
    ),
    field('Text template', inputs.text),
    h('button', { type: 'submit' }, 'Upload and start'),
    err,
  );
  const list = h('div', { class: 'card', id: 'campaign-list' }, 'Loading…');
  replace(root, h('h1', {}, 'Campaigns'), form, list);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const fd = new FormData();
    // Fields first, the file last: the server reads the parts in order.
    for (const [k, el] of Object.entries(inputs)) {
      if (k === 'file') continue;
      const v = /** @type {HTMLInputElement} */ (el).value.trim();
      if (v !== '') fd.append(k, v);
    }
    const f = /** @type {HTMLInputElement} */ (inputs.file).files?.[0];
    if (f) fd.append('file', f, f.name);
    try {
      const r = await post('/v1/campaigns', fd);
      ctx.say(`Campaign ${r.id} started: ${r.rows} rows.`);
      /** @type {HTMLInputElement} */ (inputs.password).value = '';
      await load();
    } catch (e) {
      err.textContent = describe(e);
      const fieldName = e instanceof ApiError ? e.details?.field : undefined;
      const target = fieldName && inputs[fieldName];
      if (target) target.focus();
    }
  });

  const load = async () => {
    const { items } = await get('/v1/campaigns?limit=20');
    replace(
      list,
      table(
        'Recent campaigns',
        [
          'Id',
          'Started',
          'Account',
          'File',
          'Status',
          'Progress',
          { label: 'Sent', num: true },
          { label: 'Accepted', num: true },
          { label: 'Refused', num: true },
          { label: 'Receipts', num: true },
          'Actions',
        ],
        items.map((c) => [
          h('code', {}, c.id),
          time(c.createdAt),
          c.account,
          c.file,
          badge(
            c.status,
            c.status === 'done' ? 'ok' : c.status === 'failed' || c.status === 'interrupted' ? 'bad' : 'warn',
          ),
          h(
            'div',
            {},
            h('progress', {
              max: c.rows || 1,
              value: c.done,
              'aria-label': `Campaign ${c.id}: ${c.done} of ${c.rows} rows`,
            }),
            h('span', { class: 'help' }, `${c.done}/${c.rows} ${c.phase}`),
            c.error ? h('div', { class: 'error' }, `${c.error.code}: ${c.error.message}`) : null,
          ),
          c.sent,
          c.accepted,
          c.refused,
          c.receipts,
          h(
            'span',
            { class: 'row-actions' },
            c.status === 'running'
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'small danger',
                    'aria-label': `Stop campaign ${c.id}`,
                    onclick: async () => {
                      try {
                        await del(`/v1/campaigns/${c.id}`);
                        ctx.say(`Stopping campaign ${c.id}.`);
                        await load();
                      } catch (e) {
                        ctx.say(describe(e), true);
                      }
                    },
                  },
                  'Stop',
                )
              : null,
            c.reportReady
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'small secondary',
                    'aria-label': `Download the report of campaign ${c.id}`,
                    onclick: () => download(c.id),
                  },
                  'Report',
                )
              : null,
          ),
        ]),
        'No campaigns yet.',
      ),
    );
  };

  async function download(id) {
    try {
      const csv = await api('GET', `/v1/campaigns/${id}/report`);
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const a = h('a', { href: url, download: `campaign-${id}.csv` });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      ctx.say(describe(e), true);
    }
  }

  ctx.every(1500, load);
}
