// The inspector page: plain browser JavaScript, no build step, nothing from the internet. It reads
// the local stack's delivery store over a small JSON API, follows it live through server-sent
// events, and builds every element with textContent (bodies and headers come from the outside).

const token = document.querySelector('meta[name="inspector-token"]')?.getAttribute('content') ?? '';

/** @type {Map<string, Record<string, unknown>>} */
const deliveries = new Map();
const state = {
  selected: '',
  panelTimer: 0,
  fixtures: /** @type {Record<string, string[]>} */ ({}),
  detailTimer: 0,
  /** What the last resend got, shown in the detail of the delivery it made. */
  notice: { id: '', text: '' },
};

const $ = (id) => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`The page lacks #${id}.`);
  return element;
};

/** Builds an element: h('p', { class: 'x' }, 'text', child). Strings become text nodes. */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === 'onclick') element.addEventListener('click', value);
    else if (name === 'onkeydown') element.addEventListener('keydown', value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return element;
}

async function api(path, init = {}) {
  const response = await fetch(path, {
    ...init,
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      'x-inspector-token': token,
    },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  return body;
}

function clock(iso) {
  const date = new Date(iso);
  const two = (n) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

function duration(ms) {
  if (ms === undefined) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function statusClass(summary) {
  const status = summary.status;
  if (status === undefined) return 'bus';
  if (status >= 500) return 'bad';
  if (summary.verdict === 'duplicate') return 'dup';
  if (status >= 400 || status === 409) return 'warn';
  return summary.verdict === 'quarantined' ? 'warn' : 'good';
}

function runsText(runs) {
  const parts = [];
  if (runs.ok > 0) parts.push(`${runs.ok} ok`);
  if (runs.retrying > 0) parts.push(`${runs.retrying} retrying`);
  if (runs.failed > 0) parts.push(`${runs.failed} failed`);
  return parts.join(', ') || '—';
}

// ---------------------------------------------------------------------------------------------
// The list

function filtered() {
  const type = /** @type {HTMLSelectElement} */ ($('filter-type')).value;
  const verdict = /** @type {HTMLSelectElement} */ ($('filter-verdict')).value;
  return [...deliveries.values()]
    .filter((d) => (type === '' || d.eventType === type) && (verdict === '' || d.verdict === verdict))
    .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
}

function refreshFilters() {
  for (const [id, field, all] of [
    ['filter-type', 'eventType', 'All event types'],
    ['filter-verdict', 'verdict', 'All verdicts'],
  ]) {
    const select = /** @type {HTMLSelectElement} */ ($(id));
    const values = [
      ...new Set([...deliveries.values()].map((d) => d[field]).filter((v) => typeof v === 'string')),
    ].sort();
    const current = select.value;
    const known = [...select.options].map((o) => o.value).slice(1);
    if (known.length === values.length && known.every((v, i) => v === values[i])) continue;
    select.replaceChildren(
      h('option', { value: '' }, all),
      ...values.map((v) => h('option', { value: v }, v)),
    );
    select.value = values.includes(current) ? current : '';
  }
}

function renderList() {
  refreshFilters();
  const rows = filtered();
  const focused = document.activeElement?.getAttribute('data-id');
  const body = $('delivery-rows');
  body.replaceChildren(
    ...rows.map((d) => {
      const selected = d.id === state.selected;
      const label = `${clock(d.time)}, ${d.status ?? 'bus'} ${d.verdict}, ${d.eventType ?? 'no event type'}`;
      return h(
        'tr',
        {
          class: `row ${statusClass(d)}${selected ? ' selected' : ''}`,
          'aria-current': selected ? 'true' : undefined,
          'data-id': d.id,
          onclick: () => select(d.id),
        },
        h(
          'td',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'open',
              'data-id': d.id,
              'aria-label': `Show delivery ${label}`,
              onkeydown: moveFocus,
            },
            clock(d.time),
          ),
        ),
        h('td', { class: 'status' }, d.status === undefined ? '—' : String(d.status)),
        h('td', {}, h('span', { class: 'verdict' }, d.verdict)),
        h(
          'td',
          { class: 'type' },
          d.eventType ?? (d.reason === undefined ? '' : h('span', { class: 'muted' }, `(${d.reason})`)),
        ),
        h('td', {}, h('span', { class: 'id', title: d.eventId ?? '' }, d.eventId ?? '')),
        h('td', { class: 'number' }, duration(d.latencyMs)),
        h('td', {}, runsText(d.runs)),
      );
    }),
  );
  if (focused !== null && focused !== undefined)
    body.querySelector(`button[data-id="${CSS.escape(focused)}"]`)?.focus();
  $('empty').hidden = deliveries.size > 0;
  $('count').textContent =
    rows.length === deliveries.size ? `${rows.length} shown` : `${rows.length} of ${deliveries.size} shown`;
}

/** Arrow keys, Home and End move between the rows' buttons. */
function moveFocus(event) {
  const buttons = [...document.querySelectorAll('#delivery-rows button.open')];
  const index = buttons.indexOf(event.currentTarget);
  const to = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: buttons.length - 1 }[event.key];
  if (to === undefined) return;
  event.preventDefault();
  buttons[Math.max(0, Math.min(buttons.length - 1, to))]?.focus();
}

// ---------------------------------------------------------------------------------------------
// The detail

async function select(id) {
  state.selected = id;
  renderList();
  await showDetail();
}

async function showDetail() {
  const id = state.selected;
  if (id === '') return;
  let detail;
  try {
    detail = await api(`/api/deliveries/${encodeURIComponent(id)}`);
  } catch (error) {
    $('detail').replaceChildren(
      h('h2', { id: 'detail-heading' }, 'Delivery'),
      h('p', { class: 'error' }, String(error.message)),
    );
    return;
  }
  if (id !== state.selected) return;
  renderDetail(detail);
}

function section(title, ...content) {
  return h('section', { class: 'part' }, h('h3', {}, title), ...content);
}

function pre(text, label) {
  return h('pre', { tabindex: '0', 'aria-label': label }, text);
}

function bodyBlock(body, label) {
  if (body.kind === 'empty') return h('p', { class: 'muted' }, 'Empty.');
  const note =
    body.kind === 'binary'
      ? `Not UTF-8 text: ${body.bytes} bytes, shown as base64.`
      : `${body.bytes} bytes${body.kind === 'json' ? ', pretty-printed' : ''}${body.truncated ? ', cut short' : ''}.`;
  return [h('p', { class: 'muted' }, note), pre(body.text, label)];
}

function renderDetail(d) {
  const detail = $('detail');
  const request = d.request;
  const heading = `${d.eventType ?? 'Delivery'} · ${d.status === undefined ? 'published on the bus' : `${d.status} ${d.verdict}`}`;
  const facts = [
    ['Received', `${new Date(d.time).toLocaleString()}`],
    ['Receiver', d.receiver ?? 'none (published onto the bus by something else)'],
    ['Event id', d.eventId ?? '—'],
    ['Latency', duration(d.latencyMs) || '—'],
    ['Verdict', d.verdict],
    ...(request?.reason === undefined ? [] : [['Reason', request.reason]]),
  ];
  const parts = [
    h('h2', { id: 'detail-heading', tabindex: '-1' }, heading),
    h(
      'div',
      { class: 'actions' },
      request?.resendable
        ? h('button', { type: 'button', id: 'resend', onclick: () => resend(d.id) }, 'Resend this delivery')
        : h('p', { class: 'muted' }, 'Not resendable: no local request published it.'),
      h(
        'p',
        { id: 'resend-result', class: 'result', role: 'status', 'aria-live': 'polite' },
        state.notice.id === d.id ? state.notice.text : '',
      ),
    ),
    h('dl', { class: 'facts' }, ...facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
  ];
  if (request?.quarantined) {
    parts.push(
      h(
        'p',
        { class: 'callout warn', role: 'note' },
        `Quarantined: ${request.reason ?? 'no reason given'}. The body was authentic but could not be read as an event; it went onto the bus as a Webhook Quarantined event.`,
      ),
    );
  }

  parts.push(
    section(
      'Rules matched',
      d.matches.length === 0
        ? h(
            'p',
            { class: 'muted' },
            d.busEvent === undefined ? 'Nothing was put on the bus.' : 'No rule matched.',
          )
        : h(
            'ul',
            { class: 'rules' },
            ...d.matches.map((m) =>
              h(
                'li',
                {},
                h('strong', {}, m.rule),
                ` on ${m.bus} → `,
                m.targets.length === 0
                  ? 'no targets'
                  : m.targets
                      .map(
                        (t) =>
                          `${t.name} (${t.kind === 'function' ? 'Lambda' : t.kind === 'queue' ? 'SQS' : 'not delivered locally'})`,
                      )
                      .join(', '),
              ),
            ),
          ),
    ),
  );

  parts.push(
    section(
      'Subscriber runs',
      d.subscriberRuns.length === 0
        ? h(
            'p',
            { class: 'muted' },
            d.busEvent === undefined ? 'No subscriber function ran.' : 'No subscriber function ran (yet).',
          )
        : d.subscriberRuns.map((run) =>
            h(
              'article',
              { class: 'run' },
              h('h4', {}, `${run.function}`, h('span', { class: 'muted' }, ` via ${run.rule}`)),
              h(
                'ol',
                { class: 'attempts' },
                ...run.attempts.map((a) =>
                  h(
                    'li',
                    { class: a.outcome === 'ok' ? 'good' : 'bad' },
                    h(
                      'p',
                      {},
                      h('strong', {}, a.outcome === 'ok' ? 'ok' : 'failed'),
                      ` · attempt ${a.attempt} of ${a.maxAttempts} · ${duration(a.durationMs)}`,
                      a.initMs === undefined ? '' : ` (cold start ${duration(a.initMs)})`,
                      a.handled === undefined
                        ? ''
                        : ` · ${a.handled}${a.rejectedBecause === undefined ? '' : ` (${a.rejectedBecause})`}`,
                    ),
                    a.error === undefined
                      ? ''
                      : h('p', { class: 'error' }, `${a.error.type}: ${a.error.message}`),
                    a.output.length === 0
                      ? h('p', { class: 'muted' }, 'No log lines.')
                      : h(
                          'pre',
                          {
                            class: 'log',
                            tabindex: '0',
                            'aria-label': `Log lines of ${run.function}, attempt ${a.attempt}`,
                          },
                          a.output.join('\n'),
                        ),
                    a.retryInMs === undefined
                      ? ''
                      : h(
                          'p',
                          { class: 'warn' },
                          `Lambda retries in ${duration(a.retryInMs)}${a.awsRetryInMs !== undefined && a.awsRetryInMs !== a.retryInMs ? ` (${duration(a.awsRetryInMs)} in AWS)` : ''}.`,
                        ),
                    a.finalOutcome === undefined ? '' : h('p', { class: 'error' }, a.finalOutcome),
                  ),
                ),
              ),
            ),
          ),
    ),
  );

  if (request !== undefined) {
    parts.push(
      section(
        `Request: ${request.method} ${request.path}`,
        h(
          'table',
          { class: 'headers' },
          h('caption', { class: 'visually-hidden' }, 'Request headers'),
          h(
            'thead',
            {},
            h('tr', {}, h('th', { scope: 'col' }, 'Header'), h('th', { scope: 'col' }, 'Value')),
          ),
          h(
            'tbody',
            {},
            ...request.headers.map((header) =>
              h(
                'tr',
                { class: header.masked ? 'masked' : undefined },
                h('th', { scope: 'row' }, header.name),
                h('td', {}, header.value),
              ),
            ),
          ),
        ),
        h('h4', {}, 'Body'),
        bodyBlock(request.body, 'Request body'),
      ),
      section('Response', bodyBlock(request.response, 'Response body')),
    );
  }
  parts.push(
    section(
      'Bus entry',
      d.busEvent === undefined
        ? h('p', { class: 'muted' }, 'Nothing was put on the bus for this request.')
        : pre(JSON.stringify(d.busEvent, null, 2), 'The event as EventBridge hands it to a target'),
    ),
  );
  const hadFocus = detail.contains(document.activeElement);
  detail.replaceChildren(...parts.flat());
  if (hadFocus) $('detail-heading').focus();
}

// ---------------------------------------------------------------------------------------------
// Actions

function describeSent(sent) {
  return sent
    .map((s) =>
      s.status === undefined
        ? `no answer (${s.error ?? 'unknown'})`
        : `${s.status} ${s.verdict ?? ''}`.trim(),
    )
    .join(', ');
}

async function resend(id) {
  const result = $('resend-result');
  result.textContent = 'Resending…';
  try {
    const { sent } = await api(`/api/deliveries/${encodeURIComponent(id)}/resend`, {
      method: 'POST',
      body: '{}',
    });
    const text = `Resent: ${describeSent(sent)}.`;
    const requestId = sent[0]?.requestId;
    if (requestId === undefined) {
      result.textContent = text;
      return;
    }
    state.notice = { id: requestId, text };
    await select(requestId);
    $('detail-heading').focus();
  } catch (error) {
    result.textContent = `Could not resend: ${error.message}`;
  }
}

async function onSend(event) {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ (event.currentTarget);
  const data = new FormData(form);
  const button = /** @type {HTMLButtonElement} */ ($('send-button'));
  const result = $('send-result');
  button.disabled = true;
  result.textContent = 'Sending…';
  try {
    const { sent } = await api('/api/send', {
      method: 'POST',
      body: JSON.stringify({
        provider: data.get('provider'),
        fixture: data.get('fixture'),
        mode: data.get('mode'),
      }),
    });
    result.textContent = `Sent ${data.get('fixture')}: ${describeSent(sent)}.`;
    const first = sent[0]?.requestId;
    if (first !== undefined) await select(first);
  } catch (error) {
    result.textContent = `Could not send: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

function fillFixtures() {
  const provider = /** @type {HTMLSelectElement} */ ($('send-provider')).value;
  const names = state.fixtures[provider] ?? [];
  $('send-fixture').replaceChildren(...names.map((name) => h('option', { value: name }, name)));
}

// ---------------------------------------------------------------------------------------------
// Panels (e.g. the ComplyCube API emulator's webhook)

async function refreshPanels(panels) {
  const host = $('panels');
  host.replaceChildren(
    ...panels.map((panel) =>
      h(
        'section',
        { class: 'card', id: `panel-${panel.id}`, 'aria-labelledby': `panel-${panel.id}-heading` },
        h('h2', { id: `panel-${panel.id}-heading` }, panel.title),
      ),
    ),
  );
  for (const panel of panels) {
    const section = $(`panel-${panel.id}`);
    try {
      const content = await api(`/api/panels/${panel.id}`);
      section.append(
        h(
          'dl',
          { class: 'facts' },
          ...content.rows.flatMap((row) => [h('dt', {}, row.label), h('dd', {}, row.value)]),
        ),
        content.note === undefined ? '' : h('p', { class: 'muted' }, content.note),
      );
    } catch (error) {
      section.append(h('p', { class: 'error' }, error.message));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Start and live updates

async function loadState() {
  const current = await api('/api/state');
  deliveries.clear();
  for (const d of current.deliveries) deliveries.set(d.id, d);
  state.fixtures = current.fixtures;
  $('receivers').textContent = current.receivers.map((r) => `${r.provider} receiver at ${r.url}`).join(' · ');
  const providers = /** @type {HTMLSelectElement} */ ($('send-provider'));
  if (providers.options.length === 0) {
    providers.replaceChildren(...Object.keys(current.fixtures).map((p) => h('option', { value: p }, p)));
    fillFixtures();
  }
  renderList();
  if (current.panels.length > 0) {
    await refreshPanels(current.panels);
    // Panels show state kept elsewhere (an emulator), which sends no events: read it again now and then.
    clearInterval(state.panelTimer);
    state.panelTimer = setInterval(() => refreshPanels(current.panels).catch(() => undefined), 3000);
  }
}

function follow() {
  const connection = $('connection');
  const source = new EventSource('/api/events');
  let opened = false;
  source.addEventListener('open', () => {
    connection.textContent = 'Live';
    connection.className = 'connection live';
    // After a reconnection (the stack restarted), what happened meanwhile is only in the state.
    if (opened) loadState().catch(() => undefined);
    opened = true;
  });
  source.addEventListener('error', () => {
    connection.textContent = 'Disconnected: is npm run dev still running? Reconnecting…';
    connection.className = 'connection down';
  });
  source.addEventListener('delivery', (event) => {
    const summary = JSON.parse(event.data);
    deliveries.set(summary.id, summary);
    renderList();
    if (summary.id === state.selected) {
      clearTimeout(state.detailTimer);
      state.detailTimer = setTimeout(() => showDetail(), 50);
    }
  });
}

$('send-form').addEventListener('submit', onSend);
$('send-provider').addEventListener('change', fillFixtures);
$('filter-type').addEventListener('change', renderList);
$('filter-verdict').addEventListener('change', renderList);
follow();
loadState().catch((error) => {
  $('connection').textContent = `Could not load the inspector's state: ${error.message}`;
});
