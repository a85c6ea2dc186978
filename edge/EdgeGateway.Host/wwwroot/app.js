// The edgegw diagnostics page: plain DOM, no framework. Everything the server sends is put in the
// page with textContent, never as HTML. Every text a person reads comes from /api/i18n (the
// resource files wwwroot/i18n/<language>.json) through t().
'use strict';

const $ = (id) => document.getElementById(id);
const LANGUAGE_KEY = 'edgegw.language';
const state = {
  csrf: null, events: null, framesTimer: null, historyTimer: null, staleTimer: null, signalTimer: null,
  diagram: null, lastLog: 0, elevator: null, status: null, lastStatusAt: 0, reconnectDelay: 1000, reconnectTimer: null,
  text: {}, language: 'en', languages: [], timeZone: 'UTC', pushSeconds: 1, signal: null,
};

// ---- text -------------------------------------------------------------------------------

// What the page rendered from the resources, and any key it missed: the browser tests read both.
window.edgegwText = { language: 'en', rendered: new Set(), missing: new Set() };

function t(key, params = {}) {
  const template = state.text[key];
  if (template === undefined) {
    window.edgegwText.missing.add(key);
    return key;
  }
  const text = template.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
  window.edgegwText.rendered.add(text);
  return text;
}

/** A name from the resources when there is one (kinds, inputs, states…), else the raw code. */
function named(prefix, code) {
  return state.text[`${prefix}.${code}`] === undefined ? code : t(`${prefix}.${code}`);
}

async function loadText(language) {
  const query = language ? `?lang=${encodeURIComponent(language)}` : '';
  const response = await fetch(`/api/i18n${query}`, { credentials: 'same-origin' });
  const body = await response.json();
  state.text = body.strings;
  state.language = body.language;
  state.languages = body.languages;
  window.edgegwText = { language: body.language, rendered: new Set(), missing: new Set() };
  document.documentElement.lang = body.language;
  applyText();
}

function applyText() {
  document.title = t('page.title');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const holder of document.querySelectorAll('.languages')) {
    holder.replaceChildren(...state.languages.map((language) => {
      const button = el('button', { type: 'button', 'data-language': language, 'aria-pressed': String(language === state.language) }, t(`lang.${language}`));
      button.addEventListener('click', () => switchLanguage(language));
      return button;
    }));
  }
}

async function switchLanguage(language) {
  localStorage.setItem(LANGUAGE_KEY, language);
  await loadText(language);
  if (!$('app').hidden) rerender();
}

function rerender() {
  if (state.status) renderStatus(state.status);
  if (state.diagram && state.elevator) drawDiagram(state.diagram, state.elevator);
  if (state.signal) renderSignalCheck(state.signal);
  loadAlerts().catch(() => null);
  api('/api/doctor').then(renderDoctor).catch(() => null);
  loadHistory().catch(() => null);
  markStale();
}

// Times are the box's, in its time zone, with the zone named.
function formatTime(value, withDate = false) {
  if (!value) return '';
  const options = { timeZone: state.timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' };
  if (withDate) Object.assign(options, { year: 'numeric', month: '2-digit', day: '2-digit' });
  return new Intl.DateTimeFormat(state.language, options).format(new Date(value));
}

/** A time as the box's data: the zone named, and left out of the page's own words. */
function timeNode(value, withDate = false) {
  return el('time', { datetime: new Date(value).toISOString(), 'data-value': true }, formatTime(value, withDate));
}

// ---- API helpers ------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super(body && (body.detail || body.title) ? [body.title, body.detail].filter(Boolean).join(': ') : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** What went wrong, in the page's language: known problems by their code, else the box's own words. */
function problemText(error) {
  if (!(error instanceof ApiError)) return t('error.network');
  const code = error.body && error.body.code;
  if (code && state.text[`problem.${code}`] !== undefined) return t(`problem.${code}`);
  if (error.body && error.body.errors && error.body.errors.technician) return t('problem.bad_technician');
  if (error.body && /CSRF/.test(error.body.title || '')) return t('error.csrf');
  return error.body && (error.body.title || error.body.detail) ? error.message : t('error.http', { status: error.status });
}

async function csrfToken(refresh) {
  if (!state.csrf || refresh) {
    const response = await fetch('/api/csrf', { credentials: 'same-origin' });
    state.csrf = (await response.json()).token;
  }
  return state.csrf;
}

async function api(path, options = {}) {
  const method = options.method || 'GET';
  const send = async (refresh) => {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET') headers['X-CSRF-TOKEN'] = await csrfToken(refresh);
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(path, { method, headers, credentials: 'same-origin', body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  };
  let response = await send(false);
  if (response.status === 400 && method !== 'GET') {
    const body = await response.clone().json().catch(() => null);
    if (body && /CSRF/.test(body.title || '')) response = await send(true); // The token belonged to an older session; fetch a fresh one once.
  }
  if (response.status === 401 && path !== '/api/login') showLogin();
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  if (response.status === 204) return null;
  return response.json();
}

function notice(text) {
  const box = $('notice');
  box.textContent = text;
  box.hidden = !text;
  if (text) {
    clearTimeout(notice.timer);
    notice.timer = setTimeout(() => { box.hidden = true; }, 8000);
  }
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === 'class') node.className = value;
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? '')));
  return node;
}

/** A table cell that keeps its column's heading as its label when the table stacks on a phone. */
function cell(label, content, attributes = {}) {
  return el('td', { 'data-label': t(label), ...attributes }, content);
}

function svg(tag, attributes = {}) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}

// ---- login ------------------------------------------------------------------------------

function showLogin(message) {
  stopLive();
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('password').focus();
}

async function login(event) {
  event.preventDefault();
  const button = $('login-button');
  button.disabled = true;
  try {
    await api('/api/login', { method: 'POST', body: { password: $('password').value } });
    $('password').value = '';
    state.csrf = null; // The anonymous token is not valid for the new session.
    await start();
  } catch (error) {
    $('login-error').textContent = error.status === 429
      ? t('login.tooMany', { seconds: error.body && error.body.retryAfterSeconds ? error.body.retryAfterSeconds : 60 })
      : error.status === 401 && !(error.body && error.body.code) ? t('login.wrong') : problemText(error);
  } finally {
    button.disabled = false;
  }
}

async function logout() {
  await api('/api/logout', { method: 'POST' }).catch(() => null);
  state.csrf = null;
  showLogin(t('login.loggedOut'));
}

// ---- overview ---------------------------------------------------------------------------

function duration(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60), s = Math.floor(seconds % 60);
  return d > 0 ? t('duration.days', { d, h }) : h > 0 ? t('duration.hours', { h, m }) : t('duration.minutes', { m, s });
}

const fixed = (value, digits = 0) => value === null || value === undefined ? '–' : Number(value).toFixed(digits);

function renderStatus(status) {
  state.status = status;
  state.timeZone = status.timeZone || 'UTC';
  state.pushSeconds = status.pushSeconds || 1;
  $('device-id').textContent = status.deviceId;
  $('site-id').textContent = status.siteId;
  $('uptime').textContent = duration(status.uptimeSeconds);
  $('version').textContent = `edgegw ${status.version}`;
  $('box-time').textContent = `${formatTime(status.now.time, true)} (${state.timeZone})`;
  const fleet = status.fleet;
  $('fleet-detail').textContent = fleet && fleet.version !== null
    ? t('overview.fleetInForce', { version: fleet.version, status: fleet.status ?? '–', keys: fleet.keys.join(', ') || '–' })
    : t('overview.fleetNone', { status: fleet?.status ?? '–' });
  const now = status.now;
  $('cpu').textContent = now.cpuPercent === null ? '–' : `${fixed(now.cpuPercent)} %`;
  $('memory').textContent = now.memoryUsedMb === null
    ? `${fixed(now.processMemoryMb)} MiB`
    : `${fixed(now.memoryUsedMb)} / ${fixed(now.memoryTotalMb)} MiB`;
  $('temperature').textContent = now.temperatureC === null ? t('overview.noSensor') : `${fixed(now.temperatureC, 1)} °C`;

  const uplink = status.uplink;
  const uplinkState = $('uplink-state');
  const classes = $('outbox-classes').tBodies[0];
  classes.replaceChildren();
  if (uplink) {
    uplinkState.textContent = t(uplink.connected ? 'overview.connected' : 'overview.offline');
    uplinkState.className = `value ${uplink.connected ? 'pass' : 'fail'}`;
    $('uplink-broker').textContent = uplink.broker;
    const total = Object.values(uplink.depth).reduce((a, b) => a + b, 0);
    const full = (uplink.conditions || []).includes('storage_full');
    $('outbox-total').textContent = t(full ? 'overview.storageFull' : 'overview.waitingCount', { total });
    $('outbox-total').className = full ? 'fail' : '';
    for (const [name, depth] of Object.entries(uplink.depth)) {
      classes.append(el('tr', {}, cell('overview.class', named('outboxClass', name)), cell('overview.waiting', el('span', { 'data-value': true }, depth))));
    }
    $('uplink-detail').textContent = [
      t('overview.uplinkDetail', {
        sent: uplink.sent, evictions: uplink.evictions, deadLetters: uplink.deadLetters ?? 0,
        oldest: uplink.oldestAgeSeconds === null ? '–' : duration(uplink.oldestAgeSeconds),
      }),
      uplink.lastError ? t('overview.lastError', { error: uplink.lastError }) : null,
    ].filter(Boolean).join(' · ');
  } else {
    uplinkState.textContent = t('overview.noUplink');
    $('uplink-detail').textContent = t('overview.noUplinkDetail');
    $('outbox-total').textContent = '–';
  }

  if (status.cameras) renderCameras(status.cameras);
  if (status.elevator) renderElevator(status.elevator);
  setPart('cameras', Boolean(status.cameras));
  setPart('elevator', Boolean(status.elevator));
}

function setPart(part, present) {
  for (const node of document.querySelectorAll(`[data-part="${part}"]`)) node.hidden = !present;
}

function sparkline(target, values) {
  const chart = $(target);
  chart.replaceChildren();
  const points = values.map((v, i) => [i, v]).filter(([, v]) => v !== null && v !== undefined);
  if (points.length < 2) return;
  const max = Math.max(...points.map(([, v]) => v)), min = Math.min(...points.map(([, v]) => v));
  const span = max - min || 1, last = values.length - 1 || 1;
  const coordinates = points.map(([i, v]) => `${(i / last * 118 + 1).toFixed(1)},${(28 - (v - min) / span * 26).toFixed(1)}`);
  chart.append(svg('polyline', { points: coordinates.join(' ') }));
  const title = svg('title');
  title.textContent = t('overview.chartTitle', { min: min.toFixed(1), max: max.toFixed(1) });
  chart.append(title);
}

async function loadHistory() {
  const history = await api('/api/status/history');
  sparkline('chart-cpu', history.map((s) => s.cpuPercent));
  sparkline('chart-memory', history.map((s) => s.memoryUsedMb ?? s.processMemoryMb));
  sparkline('chart-temperature', history.map((s) => s.temperatureC));
  sparkline('chart-outbox', history.map((s) => s.outboxDepth));
}

// ---- cameras ----------------------------------------------------------------------------

function renderCameras(cameras) {
  const list = $('camera-list');
  for (const camera of cameras) {
    let card = list.querySelector(`[data-camera="${CSS.escape(camera.cameraId)}"]`);
    if (!card) {
      card = el('div', { class: 'camera', 'data-camera': camera.cameraId },
        el('img', { 'data-frame': camera.cameraId }),
        el('div', { class: 'meta' }, el('strong', { 'data-value': true }, camera.cameraId), el('span', { class: 'role muted' }),
          el('span', { class: 'health' }), el('span', { class: 'fps' }), el('span', { class: 'frame-age stale-mark', hidden: true })));
      list.append(card);
    }
    card.querySelector('img').alt = t('cameras.frameAlt', { id: camera.cameraId });
    card.querySelector('.role').textContent = named('role', camera.role);
    const health = card.querySelector('.health');
    health.textContent = camera.connected ? t('cameras.connected') : camera.lastError ? t('cameras.offlineBecause', { error: camera.lastError }) : t('cameras.offline');
    health.className = `health ${camera.connected ? 'pass' : 'fail'}`;
    card.querySelector('.fps').textContent = t('cameras.stats', {
      fps: fixed(camera.analysisFps, 1), analysed: camera.framesAnalysed, dropped: camera.framesDropped, reconnects: camera.reconnects,
    });
  }
}

// Each frame is fetched anew; a failed fetch keeps the last frame and marks it stale with its time.
function refreshFrames() {
  for (const img of document.querySelectorAll('img[data-frame]')) {
    const next = new Image();
    next.onload = () => {
      img.src = next.src;
      img.dataset.loaded = 'true';
      img.dataset.loadedAt = String(Date.now());
      markFrame(img);
    };
    next.onerror = () => markFrame(img);
    next.src = `/api/cameras/${encodeURIComponent(img.dataset.frame)}/frame.jpg?t=${Date.now()}`;
  }
}

function markFrame(img) {
  const mark = img.closest('.camera').querySelector('.frame-age');
  const loadedAt = Number(img.dataset.loadedAt || 0);
  const stale = loadedAt > 0 && Date.now() - loadedAt > staleAfterMs();
  mark.hidden = !stale;
  if (stale) mark.textContent = t('stale.frame', { time: formatTime(loadedAt) });
}

// ---- elevator ---------------------------------------------------------------------------

// The faults the machine shows as a state of its own; the others are listed beside the diagram.
const FAULT_STATES = { safety_circuit_open: 'SafetyOpen', power_loss: 'NoPower', stop_outside_zone: 'Halted', trapped: 'Halted', door_open_moving: 'RunningDoorOpen' };

function renderElevator(snapshot) {
  const changed = !state.elevator || state.elevator.state !== snapshot.state
    || state.elevator.activeFaults.join() !== snapshot.activeFaults.join();
  state.elevator = snapshot;
  const current = $('elevator-state');
  current.textContent = named('state', snapshot.state);
  current.dataset.state = snapshot.state;
  $('elevator-summary').textContent = t('elevator.summary', {
    floor: snapshot.floor ?? '–',
    direction: named('direction', String(snapshot.direction).toLowerCase()),
    door: t(snapshot.doorClosed ? 'door.closed' : 'door.open'),
    service: t(snapshot.inService ? 'service.in' : 'service.out'),
    speed: fixed(snapshot.speedMps, 2),
  });
  const codes = snapshot.codes ?? {};
  const faults = $('elevator-faults');
  faults.replaceChildren(...(snapshot.activeFaults.length
    ? snapshot.activeFaults.map((kind, i) => el('span', { class: 'fault', 'data-kind': kind }, `${i ? t('list.separator') : ''}${named('kind', kind)}${codes[kind] ? ` (${codes[kind]})` : ''}`))
    : [t('elevator.none')]));
  const mode = snapshot.mode ?? 'normal';
  $('elevator-mode').textContent = named('mode', mode);
  $('elevator-mode').dataset.mode = mode;
  renderStatistics(snapshot.statistics);
  $('elevator-maintenance').replaceChildren(snapshot.lastMaintenance ? timeNode(snapshot.lastMaintenance, true) : t('elevator.never'));
  $('elevator-inputs').replaceChildren(...Object.entries(snapshot.inputs).map(([name, on]) =>
    el('span', { class: `lamp${on ? ' on' : ''}`, 'data-input': name, 'data-on': String(on) }, `${named('input', name)}: ${t(on ? 'input.on' : 'input.off')}`)));
  if (changed && state.diagram) drawDiagram(state.diagram, snapshot);
}

function renderStatistics(statistics) {
  if (!statistics) return;
  $('stat-runs').textContent = statistics.runs;
  $('stat-door-cycles').textContent = statistics.doorCycles;
  $('stat-running').textContent = `${fixed(statistics.runningSeconds / 3600, 2)} h`;
  $('stat-travel').textContent = `${fixed(statistics.travelM / 1000, 2)} km`;
  $('stat-max-speed').textContent = `${fixed(statistics.maxSpeedMps, 2)} m/s`;
  const stops = Object.entries(statistics.stopsPerFloor ?? {}).sort((a, b) => Number(a[0]) - Number(b[0]));
  $('stat-stops').replaceChildren(...(stops.length
    ? stops.map(([floor, count]) => el('span', { class: 'lamp', 'data-floor': floor, 'data-value': true }, `${floor}: ${count}`))
    : [t('stats.noneYet')]));
}

async function loadElevator() {
  try {
    const view = await api('/api/elevator');
    state.diagram = parseMermaid(view.mermaid);
    state.elevator = null;
    renderElevator(view.snapshot);
  } catch (error) {
    if (error.status !== 404) throw error;
  }
}

async function checkIn(event) {
  event.preventDefault();
  const technician = $('technician').value.trim();
  const view = await api('/api/elevator/maintenance', { method: 'POST', body: { technician } });
  renderElevator(view.snapshot);
  notice(t('elevator.checkedIn', { technician }));
}

// Stateless writes `stateDiagram-v2`: transitions `A --> B : Trigger [guard]`, the initial
// state as `[*] --> A`, superstates as `state Parent {` ... `}` blocks listing children, and
// choice pseudo-states as `state X <<choice>>`.
function parseMermaid(text) {
  const states = new Map(), edges = new Map();
  let initial = null, parent = null;
  const add = (name) => { if (!states.has(name)) states.set(name, { name, parent: null, choice: false }); return states.get(name); };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    let match;
    if ((match = /^state\s+(\S+)\s*\{$/.exec(line))) { parent = match[1]; add(parent); continue; }
    if ((match = /^state\s+(\S+)\s*<<choice>>$/.exec(line))) { add(match[1]).choice = true; continue; }
    if (line === '}') { parent = null; continue; }
    if ((match = /^\[\*\]\s*-->\s*(\S+)/.exec(line))) { initial = match[1]; add(initial); continue; }
    if ((match = /^(\S+)\s*-->\s*(\S+)(?:\s*:\s*(.*))?$/.exec(line))) {
      add(match[1]); add(match[2]);
      const key = `${match[1]}\u0000${match[2]}`;
      if (!edges.has(key)) edges.set(key, { from: match[1], to: match[2], labels: [] });
      if (match[3]) edges.get(key).labels.push(match[3]);
      continue;
    }
    if (parent && /^\S+$/.test(line)) add(line).parent = parent;
  }
  return { states: [...states.values()], edges: [...edges.values()], initial: initial ?? states.keys().next().value };
}

/** "Stopped [outside door zone]" in the page's language. */
function triggerText(label) {
  const match = /^(\S+)(?:\s*\[(.*)\])?$/.exec(label.trim());
  if (!match) return label;
  return match[2] ? `${named('trigger', match[1])} [${named('guard', match[2])}]` : named('trigger', match[1]);
}

const measure = (() => {
  const context = document.createElement('canvas').getContext('2d');
  return (text, size) => {
    context.font = `${size}px ${getComputedStyle(document.documentElement).fontFamily}`;
    return context.measureText(text).width;
  };
})();

// A layered (Sugiyama) layout by dagre, bundled into the page at build time. Edge labels are laid
// out as nodes of their own, so they never overlap each other or a state.
function drawDiagram(graph, snapshot) {
  const current = snapshot.state;
  const faulted = new Set(snapshot.activeFaults.map((kind) => FAULT_STATES[kind]).filter(Boolean));
  const layout = new dagre.graphlib.Graph({ multigraph: false });
  layout.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, edgesep: 12, marginx: 8, marginy: 8 });
  layout.setDefaultEdgeLabel(() => ({}));
  const LINE = 13, STATE_FONT = 12, LABEL_FONT = 10;
  for (const s of graph.states) {
    if (s.choice) { layout.setNode(s.name, { width: 18, height: 18, state: s }); continue; }
    const lines = [named('state', s.name)];
    if (s.parent) lines.push(t('elevator.inState', { parent: named('state', s.parent) }));
    const width = Math.max(...lines.map((line, i) => measure(line, i ? LABEL_FONT : STATE_FONT))) + 20;
    layout.setNode(s.name, { width: Math.max(70, width), height: 14 + lines.length * 15, lines, state: s });
  }
  for (const edge of graph.edges) {
    const lines = edge.labels.map(triggerText);
    const width = lines.length ? Math.max(...lines.map((line) => measure(line, LABEL_FONT))) + 8 : 0;
    layout.setEdge(edge.from, edge.to, { lines, width, height: lines.length * LINE + (lines.length ? 4 : 0), labelpos: 'c' });
  }
  dagre.layout(layout);

  const size = layout.graph();
  const root = svg('svg', { viewBox: `0 0 ${Math.ceil(size.width)} ${Math.ceil(size.height)}`, role: 'img', 'aria-label': t('elevator.diagramLabel', { state: named('state', current) }) });
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#8c959f' }));
  defs.append(marker);
  root.append(defs);

  for (const e of layout.edges()) {
    const edge = layout.edge(e);
    const group = svg('g', { class: 'edge', 'data-from': e.v, 'data-to': e.w });
    group.append(svg('path', { d: smoothPath(edge.points), 'marker-end': 'url(#arrow)' }));
    if (edge.lines.length) {
      const label = svg('g', { class: 'label' });
      label.append(svg('rect', { x: edge.x - edge.width / 2, y: edge.y - edge.height / 2, width: edge.width, height: edge.height, rx: 3 }));
      edge.lines.forEach((line, i) => {
        const text = svg('text', { x: edge.x, y: edge.y - edge.height / 2 + 2 + LINE * (i + 0.5) });
        text.textContent = line;
        label.append(text);
      });
      group.append(label);
    }
    root.append(group);
  }

  const parents = new Set();
  for (let s = graph.states.find((x) => x.name === current); s && s.parent; s = graph.states.find((x) => x.name === s.parent)) parents.add(s.parent);
  for (const name of layout.nodes()) {
    const node = layout.node(name);
    const classes = ['state'];
    if (name === current || parents.has(name)) classes.push('current');
    if (faulted.has(name)) classes.push('faulted');
    const group = svg('g', { class: classes.join(' '), 'data-state': name });
    if (node.state.choice) {
      group.append(svg('rect', { x: node.x - 7, y: node.y - 7, width: 14, height: 14, transform: `rotate(45 ${node.x} ${node.y})` }));
    } else {
      group.append(svg('rect', { x: node.x - node.width / 2, y: node.y - node.height / 2, width: node.width, height: node.height, rx: 8 }));
      node.lines.forEach((line, i) => {
        const text = svg('text', { x: node.x, y: node.y - (node.lines.length - 1) * 7.5 + i * 15, 'font-size': i ? LABEL_FONT : STATE_FONT });
        text.textContent = line;
        group.append(text);
      });
    }
    root.append(group);
  }
  const start = layout.node(graph.initial);
  if (start) root.append(svg('circle', { class: 'start', cx: start.x - start.width / 2 - 2, cy: start.y - start.height / 2 - 2, r: 4 }));

  const legend = el('div', { class: 'diagram-legend' },
    el('span', { class: 'current' }, t('elevator.legendCurrent')),
    el('span', { class: 'faulted' }, t('elevator.legendFault')));
  // On a phone the whole diagram fits the screen; "enlarge" shows it at full size in its own scrolling box.
  const holder = $('elevator-diagram');
  const zoom = el('button', { type: 'button', class: 'secondary', id: 'diagram-zoom' });
  const showZoom = () => {
    const zoomed = holder.classList.contains('zoomed');
    root.style.minWidth = zoomed ? `${Math.ceil(size.width)}px` : '';
    zoom.textContent = t(zoomed ? 'elevator.diagramFit' : 'elevator.diagramEnlarge');
  };
  zoom.addEventListener('click', () => { holder.classList.toggle('zoomed'); showZoom(); });
  const frame = el('div', { class: 'diagram-frame' });
  frame.append(root);
  holder.replaceChildren(frame, legend, zoom);
  showZoom();
}

/** A smooth curve through dagre's bend points. */
function smoothPath(points) {
  let d = `M ${points[0].x} ${points[0].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const mid = { x: (points[i].x + points[i + 1].x) / 2, y: (points[i].y + points[i + 1].y) / 2 };
    d += ` Q ${points[i].x} ${points[i].y} ${i === points.length - 2 ? `${points[i + 1].x} ${points[i + 1].y}` : `${mid.x} ${mid.y}`}`;
  }
  if (points.length === 2) d += ` L ${points[1].x} ${points[1].y}`;
  return d;
}

// ---- signal check -----------------------------------------------------------------------

function renderSignalCheck(check) {
  state.signal = check;
  const body = $('signal-table').tBodies[0];
  const active = Boolean(check && check.active);
  $('signal-start').hidden = active;
  $('signal-stop').hidden = !active;
  if (!check || !check.inputs) { body.replaceChildren(); $('signal-prompt').hidden = true; return; }
  const next = active ? check.inputs.find((input) => !input.seenAt) : null;
  body.replaceChildren(...check.inputs.map((input) => el('tr', { class: `${input.seenAt ? 'seen' : ''}${input === next ? ' next' : ''}`, 'data-signal': input.input },
    cell('signal.input', named('input', input.input)),
    cell('signal.result', t(input.seenAt ? 'signal.seen' : active ? 'signal.waiting' : 'signal.notSeen')),
    cell('signal.seenAt', input.seenAt ? timeNode(input.seenAt) : ''))));
  const prompt = $('signal-prompt');
  prompt.hidden = !active;
  if (active) prompt.textContent = next ? t('signal.next', { input: named('input', next.input) }) : t('signal.allSeen');
}

async function startSignalCheck() {
  try {
    const check = await api('/api/signal-check/start', { method: 'POST' });
    renderSignalCheck(check);
    notice(t('signal.started', { time: formatTime(check.startedAt) }));
    pollSignalCheck();
  } catch (error) {
    notice(t('signal.failed', { error: problemText(error) }));
  }
}

async function stopSignalCheck() {
  try {
    const check = await api('/api/signal-check/stop', { method: 'POST' });
    clearInterval(state.signalTimer);
    renderSignalCheck(check);
    notice(t('signal.finished', { seen: check.inputs.filter((i) => i.seenAt).length, total: check.inputs.length }));
  } catch (error) {
    notice(t('signal.failed', { error: problemText(error) }));
  }
}

function pollSignalCheck() {
  clearInterval(state.signalTimer);
  state.signalTimer = setInterval(() => api('/api/signal-check').then((check) => {
    renderSignalCheck(check);
    if (!check || !check.active) clearInterval(state.signalTimer);
  }).catch(() => null), 400);
}

async function loadSignalCheck() {
  try {
    const check = await api('/api/signal-check');
    renderSignalCheck(check);
    if (check && check.active) pollSignalCheck();
  } catch (error) {
    if (error.status !== 404) throw error;
  }
}

// ---- alerts -----------------------------------------------------------------------------

function alertRow(alert) {
  const details = Object.entries(alert.attributes).map(([k, v]) => `${k}=${v}`).join(' ');
  const kindName = named('kind', alert.kind);
  const snapshot = alert.hasSnapshot
    ? el('a', { href: `/api/alerts/${alert.id}/snapshot.jpg`, target: '_blank' },
      el('img', { src: `/api/alerts/${alert.id}/snapshot.jpg`, alt: t('alerts.snapshotAlt', { kind: kindName }) }))
    : '';
  return el('tr', { 'data-alert': alert.id, 'data-kind': alert.kind },
    cell('alerts.time', timeNode(alert.time)),
    cell('alerts.kind', kindName, { class: 'kind', 'data-kind': alert.kind }),
    cell('alerts.severity', named('severity', alert.severity)),
    cell('alerts.state', named('alertState', alert.state)),
    cell('alerts.seq', el('span', { 'data-value': true }, alert.sequence)),
    cell('alerts.details', details ? el('span', { 'data-value': true }, details) : ''),
    cell('alerts.snapshot', el('span', {}, snapshot, alert.clip ? clipPlayer(alert, kindName) : '')));
}

// The event clip is written once the post-roll has passed: until then the player says it is recording and tries again.
function clipPlayer(alert, kindName) {
  const video = el('video', { controls: '', preload: 'metadata', muted: '', 'data-clip': alert.id, title: t('alerts.clipOf', { kind: kindName }) });
  const note = el('span', { class: 'clip-note' }, t('alerts.clipRecording'));
  const load = () => { video.src = `${alert.clip}?t=${Date.now()}`; };
  video.addEventListener('loadedmetadata', () => note.remove());
  video.addEventListener('error', () => setTimeout(load, 5000));
  load();
  return el('div', { class: 'clip' }, video, note);
}

function addAlert(alert) {
  const body = $('alert-table').tBodies[0];
  if (body.querySelector(`[data-alert="${alert.id}"]`)) return;
  body.prepend(alertRow(alert));
  while (body.rows.length > 50) body.deleteRow(body.rows.length - 1);
  $('alerts-empty').hidden = true;
}

async function loadAlerts() {
  const alerts = await api('/api/alerts');
  $('alert-table').tBodies[0].replaceChildren(...alerts.map(alertRow));
  $('alerts-empty').hidden = alerts.length > 0;
}

async function sendTestAlert() {
  const button = $('test-alert');
  button.disabled = true;
  try {
    const sent = await api('/api/alerts/test', { method: 'POST' });
    notice(t('alerts.testSent', { sequence: sent.sequence, id: sent.id }));
  } catch (error) {
    notice(t('alerts.testFailed', { error: problemText(error) }));
  } finally {
    button.disabled = false;
  }
}

// ---- doctor -----------------------------------------------------------------------------

function renderDoctor(report) {
  const body = $('doctor-table').tBodies[0];
  if (!report) {
    $('doctor-summary').textContent = t('doctor.notRun');
    body.replaceChildren();
    return;
  }
  const count = (status) => report.results.filter((r) => r.status === status).length;
  $('doctor-summary').textContent = t('doctor.summary', {
    pass: count('Pass'), warn: count('Warn'), fail: count('Fail'), time: formatTime(report.ranAt), seconds: report.seconds,
  });
  // The check names, details and hints are the box's own words (as `edgegw doctor` prints them).
  body.replaceChildren(...report.results.map((r) => el('tr', { 'data-check': r.check, 'data-status': r.status.toLowerCase() },
    cell('doctor.check', el('span', { 'data-value': true }, r.check)),
    cell('doctor.result', t(`doctor.status.${r.status.toLowerCase()}`), { class: r.status.toLowerCase() }),
    cell('doctor.detail', el('span', { 'data-value': true }, r.detail)),
    cell('doctor.hint', r.hint ? el('span', { 'data-value': true }, r.hint) : ''))));
}

async function runDoctor() {
  const button = $('run-doctor');
  button.disabled = true;
  $('doctor-summary').textContent = t('doctor.running');
  try {
    renderDoctor(await api('/api/doctor/run', { method: 'POST' }));
  } catch (error) {
    $('doctor-summary').textContent = t('doctor.failed', { error: problemText(error) });
  } finally {
    button.disabled = false;
  }
}

// ---- report -----------------------------------------------------------------------------

async function makeReport(event) {
  event.preventDefault();
  const button = $('report-button');
  button.disabled = true;
  notice(t('report.making'));
  try {
    const technician = $('report-technician').value.trim();
    const response = await fetch(`/api/report?technician=${encodeURIComponent(technician)}&lang=${encodeURIComponent(state.language)}`, { credentials: 'same-origin' });
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
    const name = /filename="?([^";]+)"?/.exec(response.headers.get('Content-Disposition') || '')?.[1] || 'edgegw-report.html';
    const link = el('a', { href: URL.createObjectURL(await response.blob()), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    notice(t('report.ready'));
  } catch (error) {
    notice(t('report.failed', { error: problemText(error) }));
  } finally {
    button.disabled = false;
  }
}

// ---- log --------------------------------------------------------------------------------

function addLog(line) {
  if (line.seq <= state.lastLog) return;
  state.lastLog = line.seq;
  const pre = $('log-lines');
  const stick = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.append(el('span', { class: line.level }, `${formatTime(line.time)} ${line.level.padEnd(5)} ${line.category}: ${line.message}\n`));
  while (pre.childNodes.length > 500) pre.firstChild.remove();
  if (stick) pre.scrollTop = pre.scrollHeight;
}

// ---- live updates -----------------------------------------------------------------------

// On a flaky LAN the stream drops: the browser retries by itself, and when it gives up the page
// opens a new stream with a growing pause. Data older than a few push intervals is marked stale.
const staleAfterMs = () => Math.max(5000, state.pushSeconds * 3000);

function setLive(key, css) {
  const live = $('live');
  live.dataset.i18n = key;
  live.textContent = t(key);
  live.className = `pill ${css}`;
}

function openStream() {
  state.events?.close();
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => { state.reconnectDelay = 1000; setLive('live.live', 'ok'); });
  events.addEventListener('error', () => {
    setLive('live.reconnecting', 'bad');
    if (events.readyState === EventSource.CLOSED) scheduleReconnect();
  });
  events.addEventListener('status', (e) => {
    state.lastStatusAt = Date.now();
    renderStatus(JSON.parse(e.data));
    markStale();
  });
  events.addEventListener('alert', (e) => addAlert(JSON.parse(e.data)));
  events.addEventListener('log', (e) => addLog(JSON.parse(e.data)));
  state.events = events;
}

function scheduleReconnect() {
  clearTimeout(state.reconnectTimer);
  state.reconnectTimer = setTimeout(() => {
    // The session may have ended meanwhile: ask first, so a stale stream never hides the login.
    api('/api/session').then(openStream).catch((error) => { if (error.status !== 401) scheduleReconnect(); });
  }, state.reconnectDelay);
  state.reconnectDelay = Math.min(state.reconnectDelay * 2, 15000);
}

function markStale() {
  const age = Date.now() - state.lastStatusAt;
  const stale = state.lastStatusAt > 0 && age > staleAfterMs();
  document.body.classList.toggle('stale', stale);
  $('stale').hidden = !stale;
  if (stale) {
    $('stale').textContent = t('stale.banner', { time: formatTime(state.lastStatusAt) });
    setLive('live.stale', 'bad');
    // A stream that is open but silent is as good as dropped.
    if (age > 2 * staleAfterMs() && state.events && state.events.readyState === EventSource.OPEN) {
      state.events.close();
      scheduleReconnect();
    }
  }
  for (const img of document.querySelectorAll('img[data-frame]')) markFrame(img);
}

function startLive() {
  stopLive();
  state.lastStatusAt = Date.now();
  openStream();
  state.framesTimer = setInterval(refreshFrames, 1000);
  state.historyTimer = setInterval(() => loadHistory().catch(() => null), 30000);
  state.staleTimer = setInterval(markStale, 1000);
}

function stopLive() {
  state.events?.close();
  clearInterval(state.framesTimer);
  clearInterval(state.historyTimer);
  clearInterval(state.staleTimer);
  clearInterval(state.signalTimer);
  clearTimeout(state.reconnectTimer);
  state.events = null;
}

async function start() {
  const status = await api('/api/status');
  $('login').hidden = true;
  $('app').hidden = false;
  renderStatus(status);
  refreshFrames();
  await Promise.all([
    loadHistory(),
    loadAlerts(),
    loadElevator(),
    loadSignalCheck(),
    api('/api/doctor').then(renderDoctor),
    api('/api/logs').then((lines) => lines.forEach(addLog)),
  ]);
  startLive();
}

document.addEventListener('DOMContentLoaded', async () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('test-alert').addEventListener('click', sendTestAlert);
  $('run-doctor').addEventListener('click', runDoctor);
  $('signal-start').addEventListener('click', startSignalCheck);
  $('signal-stop').addEventListener('click', stopSignalCheck);
  $('report-form').addEventListener('submit', makeReport);
  $('maintenance-form').addEventListener('submit', (e) => checkIn(e).catch((error) => notice(t('elevator.checkInFailed', { error: problemText(error) }))));
  // The remembered choice first, else the browser's Accept-Language (the box decides: zh* is zh-CN).
  await loadText(localStorage.getItem(LANGUAGE_KEY)).catch(() => null);
  start().catch((error) => { if (error.status !== 401) showLogin(problemText(error)); });
});
