// The edgegw diagnostics page: plain DOM, no framework, no build step.
// Everything the server sends is put in the page with textContent, never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { csrf: null, events: null, framesTimer: null, historyTimer: null, diagram: null, lastLog: 0, elevatorState: null };

// ---- API helpers ------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super(body && (body.detail || body.title) ? [body.title, body.detail].filter(Boolean).join(': ') : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
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
    if (method !== 'GET') {
      headers['X-CSRF-TOKEN'] = await csrfToken(refresh);
    }
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    return fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  };
  let response = await send(false);
  if (response.status === 400 && method !== 'GET') {
    const body = await response.clone().json().catch(() => null);
    if (body && /CSRF/.test(body.title || '')) {
      response = await send(true); // The token belonged to an older session; fetch a fresh one once.
    }
  }
  if (response.status === 401 && path !== '/api/login') {
    showLogin();
  }
  if (!response.ok) {
    throw new ApiError(response.status, await response.json().catch(() => null));
  }
  if (response.status === 204) {
    return null;
  }
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
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child ?? '')));
  }
  return node;
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
      ? `Too many attempts. ${error.body && error.body.detail ? error.body.detail : 'Wait a minute.'}`
      : error.status === 401 ? (error.body && error.body.detail ? error.message : 'Wrong password.') : error.message;
  } finally {
    button.disabled = false;
  }
}

async function logout() {
  await api('/api/logout', { method: 'POST' }).catch(() => null);
  state.csrf = null;
  showLogin('Logged out.');
}

// ---- overview ---------------------------------------------------------------------------

function duration(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${Math.floor(seconds % 60)}s`;
}

const fixed = (value, digits = 0) => value === null || value === undefined ? '–' : Number(value).toFixed(digits);

function renderStatus(status) {
  $('device-id').textContent = status.deviceId;
  $('site-id').textContent = status.siteId;
  $('uptime').textContent = duration(status.uptimeSeconds);
  $('version').textContent = `edgegw ${status.version}`;
  const now = status.now;
  $('cpu').textContent = now.cpuPercent === null ? '–' : `${fixed(now.cpuPercent)} %`;
  $('memory').textContent = now.memoryUsedMb === null
    ? `${fixed(now.processMemoryMb)} MiB`
    : `${fixed(now.memoryUsedMb)} / ${fixed(now.memoryTotalMb)} MiB`;
  $('temperature').textContent = now.temperatureC === null ? 'no sensor' : `${fixed(now.temperatureC, 1)} °C`;

  const uplink = status.uplink;
  const uplinkState = $('uplink-state');
  const classes = $('outbox-classes').tBodies[0];
  classes.replaceChildren();
  if (uplink) {
    uplinkState.textContent = uplink.connected ? 'connected' : 'offline';
    uplinkState.className = `value ${uplink.connected ? 'pass' : 'fail'}`;
    $('uplink-broker').textContent = uplink.broker;
    const total = Object.values(uplink.depth).reduce((a, b) => a + b, 0);
    const full = (uplink.conditions || []).includes('storage_full');
    $('outbox-total').textContent = full ? `${total} waiting · storage_full: disk full, new alarms refused` : `${total} waiting`;
    $('outbox-total').className = full ? 'fail' : '';
    for (const [name, depth] of Object.entries(uplink.depth)) {
      classes.append(el('tr', {}, el('td', {}, name), el('td', {}, depth)));
    }
    $('uplink-detail').textContent = [
      `sent ${uplink.sent}`,
      `evicted ${uplink.evictions}`,
      uplink.deadLetters ? `dead letters ${uplink.deadLetters}` : null,
      uplink.oldestAgeSeconds === null ? null : `oldest waiting ${duration(uplink.oldestAgeSeconds)}`,
      uplink.lastError ? `last error: ${uplink.lastError}` : null,
    ].filter(Boolean).join(' · ');
  } else {
    uplinkState.textContent = 'not wired';
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
  title.textContent = `last hour: min ${min.toFixed(1)}, max ${max.toFixed(1)}`;
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
        el('img', { alt: `camera ${camera.cameraId}`, 'data-frame': camera.cameraId }),
        el('div', { class: 'meta' }, el('strong', {}, camera.cameraId), el('span', { class: 'role muted' }), el('span', { class: 'health' }), el('span', { class: 'fps' })));
      list.append(card);
    }
    card.querySelector('.role').textContent = camera.role;
    const health = card.querySelector('.health');
    health.textContent = camera.connected ? 'connected' : `offline${camera.lastError ? `: ${camera.lastError}` : ''}`;
    health.className = `health ${camera.connected ? 'pass' : 'fail'}`;
    card.querySelector('.fps').textContent =
      `${fixed(camera.analysisFps, 1)} fps · ${camera.framesAnalysed} analysed · ${camera.framesDropped} dropped · ${camera.reconnects} reconnects`;
  }
}

function refreshFrames() {
  for (const img of document.querySelectorAll('img[data-frame]')) {
    const next = new Image();
    next.onload = () => { img.src = next.src; img.dataset.loaded = 'true'; };
    next.src = `/api/cameras/${encodeURIComponent(img.dataset.frame)}/frame.jpg?t=${Date.now()}`;
  }
}

// ---- elevator ---------------------------------------------------------------------------

function renderElevator(snapshot) {
  $('elevator-state').textContent = snapshot.state;
  $('elevator-floor').textContent = snapshot.floor ?? '–';
  $('elevator-direction').textContent = snapshot.direction;
  $('elevator-door').textContent = snapshot.doorClosed ? 'closed' : 'open';
  $('elevator-service').textContent = snapshot.inService ? 'in service' : 'out of service';
  $('elevator-speed').textContent = fixed(snapshot.speedMps, 2);
  const codes = snapshot.codes ?? {};
  $('elevator-faults').textContent = snapshot.activeFaults.length
    ? snapshot.activeFaults.map((kind) => codes[kind] ? `${kind} (${codes[kind]})` : kind).join(', ')
    : 'none';
  $('elevator-mode').textContent = snapshot.mode ?? 'normal';
  $('elevator-mode').dataset.mode = snapshot.mode ?? 'normal';
  renderStatistics(snapshot.statistics);
  $('elevator-maintenance').textContent = snapshot.lastMaintenance ? new Date(snapshot.lastMaintenance).toLocaleString() : 'never';
  const lamps = $('elevator-inputs');
  lamps.replaceChildren(...Object.entries(snapshot.inputs).map(([name, on]) =>
    el('span', { class: `lamp${on ? ' on' : ''}`, 'data-input': name }, `${name}: ${on ? 'on' : 'off'}`)));
  if (state.elevatorState !== snapshot.state && state.diagram) {
    state.elevatorState = snapshot.state;
    drawDiagram(state.diagram, snapshot.state);
  }
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
    ? stops.map(([floor, count]) => el('span', { class: 'lamp', 'data-floor': floor }, `${floor}: ${count}`))
    : ['none yet']));
}

async function loadElevator() {
  try {
    const view = await api('/api/elevator');
    state.diagram = parseMermaid(view.mermaid);
    state.elevatorState = view.snapshot.state;
    drawDiagram(state.diagram, view.snapshot.state);
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
  notice(`Maintenance check-in recorded for ${technician}.`);
}

// Stateless writes `stateDiagram-v2`: transitions `A --> B : Trigger [guard]`, the initial
// state as `[*] --> A`, and superstates as `state Parent {` ... `}` blocks listing children.
function parseMermaid(text) {
  const states = new Map(), edges = new Map();
  let initial = null, parent = null;
  const add = (name) => { if (!states.has(name)) states.set(name, { name, parent: null }); return states.get(name); };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    let match;
    if ((match = /^state\s+(\S+)\s*\{$/.exec(line))) { parent = match[1]; add(parent); continue; }
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

function drawDiagram(graph, current) {
  // Columns by distance from the initial state; unreachable states go in the last column.
  const layer = new Map([[graph.initial, 0]]);
  const queue = [graph.initial];
  while (queue.length) {
    const from = queue.shift();
    for (const edge of graph.edges.filter((e) => e.from === from && !layer.has(e.to))) {
      layer.set(edge.to, layer.get(from) + 1);
      queue.push(edge.to);
    }
  }
  const deepest = Math.max(0, ...layer.values());
  for (const s of graph.states) if (!layer.has(s.name)) layer.set(s.name, deepest + 1);
  const columns = [];
  for (const s of graph.states) (columns[layer.get(s.name)] ||= []).push(s);

  const W = 120, H = 30, GX = 70, GY = 26, PAD = 24;
  const position = new Map();
  columns.forEach((column, c) => column.forEach((s, r) => position.set(s.name, { x: PAD + c * (W + GX), y: PAD + r * (H + GY) })));
  const width = PAD * 2 + columns.length * (W + GX) - GX;
  const height = PAD * 2 + Math.max(...columns.map((c) => c.length)) * (H + GY) - GY + 20;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `state diagram, current state ${current}` });
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#8c959f' }));
  defs.append(marker);
  root.append(defs);

  for (const edge of graph.edges) {
    const a = position.get(edge.from), b = position.get(edge.to);
    const group = svg('g', { class: 'edge' });
    let d, lx, ly;
    if (edge.from === edge.to) {
      d = `M ${a.x + W * 0.35} ${a.y} C ${a.x + W * 0.35} ${a.y - 22}, ${a.x + W * 0.65} ${a.y - 22}, ${a.x + W * 0.65} ${a.y}`;
      lx = a.x + W / 2; ly = a.y - 18;
    } else {
      const forward = b.x > a.x;
      const x1 = forward ? a.x + W : a.x, y1 = a.y + H / 2, x2 = forward ? b.x : b.x + W, y2 = b.y + H / 2;
      const bend = forward ? 0 : 28; // Back edges bow out so they do not hide forward ones.
      const cx = (x1 + x2) / 2, cy = (y1 + y2) / 2 + (b.x === a.x ? 0 : bend);
      const sideways = b.x === a.x ? (y2 > y1 ? 40 : -40) : 0;
      d = `M ${x1} ${y1} Q ${cx + sideways} ${cy} ${x2} ${y2}`;
      lx = cx + sideways / 2; ly = cy - 3;
    }
    group.append(svg('path', { d, 'marker-end': 'url(#arrow)' }));
    const label = svg('text', { x: lx, y: ly });
    label.textContent = edge.labels.join(', ');
    group.append(label);
    root.append(group);
  }

  const start = position.get(graph.initial);
  if (start) root.append(svg('circle', { class: 'start', cx: start.x - 12, cy: start.y + H / 2, r: 5 }));
  const currentParent = graph.states.find((s) => s.name === current)?.parent;
  for (const s of graph.states) {
    const p = position.get(s.name);
    const isCurrent = s.name === current || s.name === currentParent;
    const group = svg('g', { class: `state${isCurrent ? ' current' : ''}`, 'data-state': s.name });
    group.append(svg('rect', { x: p.x, y: p.y, width: W, height: H, rx: 8 }));
    const text = svg('text', { x: p.x + W / 2, y: p.y + H / 2 });
    text.textContent = s.parent ? `${s.name} (in ${s.parent})` : s.name;
    group.append(text);
    root.append(group);
  }
  $('elevator-diagram').replaceChildren(root);
}

// ---- alerts -----------------------------------------------------------------------------

function alertRow(alert) {
  const details = Object.entries(alert.attributes).map(([k, v]) => `${k}=${v}`).join(' ');
  const snapshot = alert.hasSnapshot
    ? el('a', { href: `/api/alerts/${alert.id}/snapshot.jpg`, target: '_blank' },
      el('img', { src: `/api/alerts/${alert.id}/snapshot.jpg`, alt: `snapshot of ${alert.kind}` }))
    : '';
  return el('tr', { 'data-alert': alert.id },
    el('td', {}, new Date(alert.time).toLocaleTimeString()),
    el('td', { class: 'kind' }, alert.kind),
    el('td', {}, alert.severity),
    el('td', {}, alert.state),
    el('td', {}, alert.sequence),
    el('td', {}, details),
    el('td', {}, snapshot, alert.clip ? clipPlayer(alert) : ''));
}

// The event clip is written once the post-roll has passed: until then the player shows "recording…" and tries again.
function clipPlayer(alert) {
  const video = el('video', { controls: '', preload: 'metadata', muted: '', 'data-clip': alert.id, title: `clip of ${alert.kind}` });
  const note = el('span', { class: 'clip-note' }, 'recording…');
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
    notice(`Test alert #${sent.sequence} is in the outbox (id ${sent.id}).`);
  } catch (error) {
    notice(`Test alert not sent: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

// ---- doctor -----------------------------------------------------------------------------

function renderDoctor(report) {
  const body = $('doctor-table').tBodies[0];
  if (!report) {
    $('doctor-summary').textContent = 'Not run yet since the gateway started.';
    body.replaceChildren();
    return;
  }
  const count = (status) => report.results.filter((r) => r.status === status).length;
  $('doctor-summary').textContent =
    `${count('Pass')} pass, ${count('Warn')} warn, ${count('Fail')} fail · ${new Date(report.ranAt).toLocaleTimeString()} · ${report.seconds} s`;
  body.replaceChildren(...report.results.map((r) => el('tr', {},
    el('td', {}, r.check),
    el('td', { class: r.status.toLowerCase() }, r.status.toLowerCase()),
    el('td', {}, r.detail),
    el('td', {}, r.hint ?? ''))));
}

async function runDoctor() {
  const button = $('run-doctor');
  button.disabled = true;
  $('doctor-summary').textContent = 'Running…';
  try {
    renderDoctor(await api('/api/doctor/run', { method: 'POST' }));
  } catch (error) {
    $('doctor-summary').textContent = `Doctor failed: ${error.message}`;
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
  pre.append(el('span', { class: line.level }, `${new Date(line.time).toLocaleTimeString()} ${line.level.padEnd(5)} ${line.category}: ${line.message}\n`));
  while (pre.childNodes.length > 500) pre.firstChild.remove();
  if (stick) pre.scrollTop = pre.scrollHeight;
}

// ---- live updates -----------------------------------------------------------------------

function startLive() {
  stopLive();
  const live = $('live');
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => { live.textContent = 'live'; live.className = 'pill ok'; });
  events.addEventListener('error', () => { live.textContent = 'reconnecting'; live.className = 'pill bad'; });
  events.addEventListener('status', (e) => renderStatus(JSON.parse(e.data)));
  events.addEventListener('alert', (e) => addAlert(JSON.parse(e.data)));
  events.addEventListener('log', (e) => addLog(JSON.parse(e.data)));
  state.events = events;
  state.framesTimer = setInterval(refreshFrames, 1000);
  state.historyTimer = setInterval(() => loadHistory().catch(() => null), 30000);
}

function stopLive() {
  state.events?.close();
  clearInterval(state.framesTimer);
  clearInterval(state.historyTimer);
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
    api('/api/doctor').then(renderDoctor),
    api('/api/logs').then((lines) => lines.forEach(addLog)),
  ]);
  startLive();
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('test-alert').addEventListener('click', sendTestAlert);
  $('run-doctor').addEventListener('click', runDoctor);
  $('maintenance-form').addEventListener('submit', (e) => checkIn(e).catch((error) => notice(`Check-in failed: ${error.message}`)));
  start().catch((error) => { if (error.status !== 401) showLogin(error.message); });
});
