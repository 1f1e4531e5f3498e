// pbm web console: the clusters you added, the live view of the one you opened, its actions and its logs.
//
// Several clusters, one page: each cluster is an endpoint (its control API's URL) and a token, kept in this
// browser's localStorage. The page's own node is the "home" cluster. The open cluster streams snapshots
// (GET /api/console/snapshots); every other one is polled every few seconds for its health dot. Calls to other clusters go
// straight from the browser to their API, which allows it with CORS (the token is the only credential).

import { Api, ApiError } from './api.js';
import { Dashboard } from './view.js';
import { $, h, text, sleep, health } from './util.js';

const STORE = 'pbm.console.';
const POLL_OTHERS_MS = 5000;
const STALE_MS = 4000;

const clusters = {
  list() {
    const extra = JSON.parse(localStorage.getItem(STORE + 'clusters') ?? '[]');
    return [{ id: 'home', url: '', name: localStorage.getItem(STORE + 'home-name') ?? location.host, home: true }, ...extra];
  },
  save(list) { localStorage.setItem(STORE + 'clusters', JSON.stringify(list.filter(c => !c.home).map(({ id, url, name }) => ({ id, url, name })))); },
  get(id) { return this.list().find(c => c.id === id) ?? this.list()[0]; },
  token(c) { return localStorage.getItem(STORE + 'token.' + c.id); },
  setToken(c, token) { localStorage.setItem(STORE + 'token.' + c.id, token); },
  forget(c) { localStorage.removeItem(STORE + 'token.' + c.id); },
  rename(c, name) {
    if (c.home) localStorage.setItem(STORE + 'home-name', name);
    else this.save(this.list().map(x => x.id === c.id ? { ...x, name } : x));
  },
};

const state = {
  active: null,        // the open cluster
  api: null,           // its Api
  stream: null,        // AbortController of its event stream
  lastSnapshot: 0,
  health: new Map(),   // cluster id -> { level, text }
  logs: null,          // { target, ctl, paused, pending }
};

const dashboard = new Dashboard((action, target, app) => act(action, target, app));

// ---- start-up ---------------------------------------------------------------------------------------------

function takeTokenFromAddress() {
  // /?token=T signs in to the home cluster, then the token leaves the address bar (and the history).
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token == null) return;
  clusters.setToken(clusters.get('home'), token);
  url.searchParams.delete('token');
  history.replaceState(null, '', url.pathname + (url.search === '?' ? '' : url.search) + url.hash);
}

function init() {
  takeTokenFromAddress();
  for (const dlg of document.querySelectorAll('dialog')) {
    for (const b of dlg.querySelectorAll('.js-close')) b.addEventListener('click', () => dlg.close());
  }
  $('login-form').addEventListener('submit', onLogin);
  $('start-app').addEventListener('click', openStart);
  $('start-app-empty').addEventListener('click', openStart);
  $('start-form').addEventListener('submit', onStart);
  $('scale-form').addEventListener('submit', onScale);
  $('deploy-form').addEventListener('submit', onDeploy);
  $('add-cluster').addEventListener('click', openAddCluster);
  $('cluster-form').addEventListener('submit', onAddCluster);
  $('sign-out').addEventListener('click', signOut);
  $('logs-close').addEventListener('click', closeLogs);
  $('logs-clear').addEventListener('click', () => $('log-lines').replaceChildren());
  $('logs-pause').addEventListener('click', togglePause);
  $('logs-err-only').addEventListener('change', e => $('log-lines').classList.toggle('err-only', e.target.checked));
  document.addEventListener('keydown', e => { if (e.key === 'Escape' && !document.querySelector('dialog[open]') && state.logs) closeLogs(); });
  setInterval(watchdog, 1000);
  setInterval(pollOthers, POLL_OTHERS_MS);
  open(clusters.get(localStorage.getItem(STORE + 'active') ?? 'home'));
  pollOthers();
}

// ---- clusters ---------------------------------------------------------------------------------------------

function renderClusters() {
  const list = $('clusters');
  list.replaceChildren(...clusters.list().map(c => {
    const hl = state.health.get(c.id) ?? { level: 'off', text: clusters.token(c) ? 'checking…' : 'sign-in needed' };
    const current = state.active?.id === c.id;
    const li = h('li', { dataset: { cluster: c.id, health: hl.level } },
      h('button', { type: 'button', class: 'cluster', 'aria-current': current ? 'true' : null, onclick: () => open(c) },
        h('span', { class: 'dot', dataset: { tone: hl.level }, 'aria-hidden': 'true' }),
        h('span', { class: 'cluster-name' }, c.name || c.url),
        h('span', { class: 'cluster-health' }, h('span', { class: 'sr-only' }, `${{ ok: 'healthy', warn: 'degraded', bad: 'failing', off: 'unknown' }[hl.level]}: `), hl.text)));
    if (!c.home) {
      li.append(h('button', {
        type: 'button', class: 'btn ghost small remove', 'aria-label': `Remove cluster ${c.name || c.url}`, title: 'Remove',
        onclick: async () => {
          if (!await confirmAction(`Remove ${c.name || c.url} from this console?`, 'Its token is forgotten by this browser; the cluster itself is not touched.', 'Remove')) return;
          clusters.forget(c);
          clusters.save(clusters.list().filter(x => x.id !== c.id));
          state.health.delete(c.id);
          if (state.active?.id === c.id) open(clusters.get('home'));
          else renderClusters();
        },
      }, '✕'));
    }
    return li;
  }));
}

function setHealth(c, hl) {
  const old = state.health.get(c.id);
  if (old?.level === hl.level && old?.text === hl.text) return;
  state.health.set(c.id, hl);
  renderClusters();
}

async function pollOthers() {
  for (const c of clusters.list()) {
    if (c.id === state.active?.id) continue;
    const token = clusters.token(c);
    if (!token) { setHealth(c, { level: 'off', text: 'sign-in needed' }); continue; }
    const api = new Api(c.url, token);
    try {
      // A node that does not answer within a few seconds counts as unreachable (the next poll tries again).
      const signal = AbortSignal.timeout(POLL_OTHERS_MS - 1000);
      const [apps, cluster] = await Promise.all([api.get('/api/apps', signal), api.get('/api/cluster', signal)]);
      setHealth(c, health(apps.apps, cluster.members));
    } catch (e) {
      setHealth(c, { level: 'bad', text: e.status === 401 ? 'token refused' : 'unreachable' });
    }
  }
}

function open(c) {
  state.stream?.abort();
  closeLogs();
  state.active = c;
  localStorage.setItem(STORE + 'active', c.id);
  dashboard.reset(c.id);
  text($('cluster-title'), c.name || c.url || location.host);
  text($('cluster-sub'), c.home ? `this node · ${location.host}` : c.url);
  for (const el of document.querySelectorAll('.js-cluster-name')) text(el, c.name || c.url || location.host);
  renderClusters();
  const token = clusters.token(c);
  if (!token) return showLogin(c);
  state.api = new Api(c.url, token);
  $('login').hidden = true;
  $('dashboard').hidden = true;
  $('sign-out').hidden = false;
  $('start-app').disabled = false;
  connect(c, state.api);
}

async function connect(c, api) {
  const ctl = state.stream = new AbortController();
  let delay = 1000;
  setLive('connecting', 'connecting…');
  while (!ctl.signal.aborted) {
    try {
      await api.events(ctl.signal, snap => {
        delay = 1000;
        onSnapshot(c, snap);
      });
      throw new ApiError('the event stream ended', 0);
    } catch (e) {
      if (ctl.signal.aborted) return;
      if (e.status === 401) {
        clusters.forget(c);
        setHealth(c, { level: 'bad', text: 'token refused' });
        return showLogin(c, e.message);
      }
      setLive('offline', `offline: ${e.message}; retrying`);
      setHealth(c, { level: 'bad', text: 'unreachable' });
      showBanner(`${c.name || c.url || location.host}: ${e.message}`);
      await sleep(delay, ctl.signal);
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

function onSnapshot(c, snap) {
  if (state.active?.id !== c.id) return;
  state.lastSnapshot = Date.now();
  if (snap.node && (c.name === location.host || !c.name)) {
    const name = c.home ? snap.node : `${snap.node} (${new URL(c.url).host})`;
    c.name = name;
    clusters.rename(c, name);
    text($('cluster-title'), name);
    for (const el of document.querySelectorAll('.js-cluster-name')) text(el, name);
  }
  text($('cluster-sub'), `${c.home ? 'this node' : c.url} · node ${snap.node} · pbm ${snap.version} · ${snap.cluster.members.length} member${snap.cluster.members.length === 1 ? '' : 's'}`);
  $('dashboard').hidden = false;
  showBanner(snap.error ?? null);
  setLive('live', 'live');
  dashboard.render(snap);
  if (snap.apps) setHealth(c, health(snap.apps.apps, snap.cluster.members));
}

function watchdog() {
  if (state.lastSnapshot && $('live').dataset.state === 'live' && Date.now() - state.lastSnapshot > STALE_MS)
    setLive('stale', `stale: no update for ${Math.round((Date.now() - state.lastSnapshot) / 1000)}s`);
}

function setLive(stateName, words) {
  $('live').dataset.state = stateName;
  text($('live'), words);
}

function showBanner(message) {
  $('banner').hidden = !message;
  text($('banner'), message ?? '');
}

// ---- sign-in ------------------------------------------------------------------------------------------------

function showLogin(c, error) {
  state.stream?.abort();
  $('dashboard').hidden = true;
  $('login').hidden = false;
  $('sign-out').hidden = true;
  $('start-app').disabled = true;
  setLive('idle', 'signed out');
  showBanner(null);
  text($('login-target'), c.name || c.url || location.host);
  $('login-error').hidden = !error;
  text($('login-error'), error ?? '');
  $('login-token').value = '';
  $('login-token').focus();
}

async function onLogin(e) {
  e.preventDefault();
  const c = state.active;
  const token = $('login-token').value.trim();
  try {
    await new Api(c.url, token).get('/api/ping');
  } catch (err) {
    $('login-error').hidden = false;
    text($('login-error'), err.message);
    return;
  }
  clusters.setToken(c, token);
  open(c);
}

function signOut() {
  clusters.forget(state.active);
  state.health.delete(state.active.id);
  open(state.active);
}

// ---- actions ------------------------------------------------------------------------------------------------

const CONFIRM = {
  restart: ['Restart', t => `Restart ${t}?`, 'Its processes are stopped and started again; requests in flight to them may fail. Use Reload for a zero-downtime restart.'],
  stop: ['Stop', t => `Stop ${t}?`, 'Its processes are stopped gracefully and stay stopped until started again.'],
  delete: ['Delete', t => `Delete ${t}?`, 'Its instances are stopped and the app is forgotten: it will not come back when the daemon restarts.'],
  disconnect: ['Disconnect', t => `Disconnect ${t}?`, 'It is taken out of the gateway and kept running for inspection; a new instance replaces it.'],
  rollback: ['Roll back', t => `Roll ${t} back to its previous version?`, 'Instances are replaced one at a time, as in a reload.'],
};

async function act(action, target, app) {
  const api = state.api;
  switch (action) {
    case 'logs': return openLogs(target);
    case 'scale': return openScale(app);
    case 'deploy': return openDeploy(app);
    case 'start': return run(`start ${target}`, api.post(api.app(target, 'start')));
    case 'reload': return long(`reload of ${target}`, api.post(api.app(target, 'reload'), { parallel: 1 }));
    default: {
      const [verb, title, detail] = CONFIRM[action];
      if (!await confirmAction(title(target), detail, verb)) return;
      if (action === 'delete') return run(`delete ${target}`, api.del(`/api/apps/${encodeURIComponent(target)}`));
      if (action === 'rollback') return long(`rollback of ${target}`, api.post(api.app(target, 'rollback'), { parallel: 1 }));
      return run(`${action} ${target}`, api.post(api.app(target, action)));
    }
  }
}

async function run(what, promise) {
  try {
    const result = await promise;
    toast(result?.message ?? `${what}: done`, 'ok');
  } catch (e) {
    toast(`${what} failed: ${e.message}`, 'bad');
  }
}

/**
 * A rollout (reload, deploy, rollback) answers only when it is over; its progress shows in the app's card
 * meanwhile. An answer within a moment (a refusal) is returned so a dialog can show it; else null.
 */
async function long(what, promise, errorTarget) {
  const settled = promise.then(r => ({ r }), e => ({ e }));
  const early = await Promise.race([settled, sleep(1500).then(() => null)]);
  if (early?.e && errorTarget) return early.e;
  if (early) {
    if (early.e) toast(`${what} failed: ${early.e.message}`, 'bad');
    else toast(early.r.message, 'ok');
    return null;
  }
  toast(`${what[0].toUpperCase()}${what.slice(1)} under way…`, 'info');
  settled.then(({ r, e }) => e ? toast(`${what} failed: ${e.message}`, 'bad') : toast(r.message, 'ok'));
  return null;
}

function confirmAction(title, detail, verb) {
  const dlg = $('dlg-confirm');
  text($('confirm-h'), title);
  text($('confirm-text'), detail);
  text($('confirm-ok'), verb);
  dlg.returnValue = 'cancel';
  dlg.showModal();
  return new Promise(resolve => dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true }));
}

function formError(id, message) {
  $(id).hidden = !message;
  text($(id), message ?? '');
}

function openStart() {
  formError('start-error', null);
  $('dlg-start').showModal();
  $('start-script').focus();
}

async function onStart(e) {
  e.preventDefault();
  const f = e.target.elements;
  const body = { script: f.script.value.trim(), name: f.name.value.trim() || null, instances: f.instances.value.trim() || null };
  if (f.port.value) body.port = Number(f.port.value);
  const submit = e.submitter ?? e.target.querySelector('[type=submit]');
  submit.disabled = true;
  try {
    const result = await state.api.post('/api/console/start', body);
    $('dlg-start').close();
    e.target.reset();
    toast(result.message, 'ok');
  } catch (err) {
    formError('start-error', err.message);
  } finally {
    submit.disabled = false;
  }
}

let dialogApp = null;

function openScale(app) {
  dialogApp = app.spec.name;
  for (const el of $('dlg-scale').querySelectorAll('.js-app')) text(el, dialogApp);
  formError('scale-error', null);
  $('scale-count').value = app.spec.instances;
  $('dlg-scale').showModal();
  $('scale-count').select();
}

async function onScale(e) {
  e.preventDefault();
  const count = $('scale-count').value.trim();
  try {
    const result = await state.api.post(state.api.app(dialogApp, 'scale'), { count });
    $('dlg-scale').close();
    toast(result.message, 'ok');
  } catch (err) {
    formError('scale-error', err.message);
  }
}

function openDeploy(app) {
  dialogApp = app.spec.name;
  for (const el of $('dlg-deploy').querySelectorAll('.js-app')) text(el, dialogApp);
  formError('deploy-error', null);
  $('deploy-path').value = app.spec.cwd;
  $('dlg-deploy').showModal();
  $('deploy-path').select();
}

async function onDeploy(e) {
  e.preventDefault();
  const body = { app: dialogApp, path: $('deploy-path').value.trim(), parallel: Number($('deploy-parallel').value) || 1 };
  const refused = await long(`deploy of ${dialogApp}`, state.api.post('/api/console/deploy', body), true);
  if (refused) return formError('deploy-error', refused.message);
  $('dlg-deploy').close();
}

function openAddCluster() {
  formError('cluster-error', null);
  $('cluster-form').reset();
  $('dlg-cluster').showModal();
  $('cluster-url').focus();
}

async function onAddCluster(e) {
  e.preventDefault();
  let url, token = $('cluster-token').value.trim();
  try {
    // Accept the link `pbm console` prints: the token comes with it.
    const parsed = new URL(/^https?:\/\//i.test($('cluster-url').value.trim()) ? $('cluster-url').value.trim() : `http://${$('cluster-url').value.trim()}`);
    token ||= parsed.searchParams.get('token') ?? '';
    url = parsed.origin;
  } catch {
    return formError('cluster-error', 'the endpoint should look like http://HOST:PORT');
  }
  if (!token) return formError('cluster-error', 'a token is needed: the one in that node\'s PBM_HOME/token');
  if (url === location.origin || clusters.list().some(c => c.url === url)) return formError('cluster-error', `${url} is already in the list`);
  let ping;
  try {
    ping = await new Api(url, token).get('/api/ping');
  } catch (err) {
    return formError('cluster-error', err.message);
  }
  const c = { id: `c${Date.now().toString(36)}`, url, name: $('cluster-name').value.trim() || `${ping.node} (${new URL(url).host})` };
  clusters.save([...clusters.list(), c]);
  clusters.setToken(c, token);
  $('dlg-cluster').close();
  toast(`added ${c.name}`, 'ok');
  open(c);
}

// ---- logs ---------------------------------------------------------------------------------------------------

function openLogs(target) {
  closeLogs();
  const ctl = new AbortController();
  state.logs = { target, ctl, paused: false, pending: [] };
  $('logs').hidden = false;
  document.body.classList.add('with-logs');
  text($('logs-target'), target);
  $('log-lines').replaceChildren();
  $('logs-pause').setAttribute('aria-pressed', 'false');
  text($('logs-pause'), 'Pause');
  follow(state.logs, state.api);
  $('log-lines').focus();
}

async function follow(logs, api) {
  while (!logs.ctl.signal.aborted) {
    text($('logs-state'), 'following');
    try {
      await api.logs(logs.target, logs.ctl.signal, line => addLine(logs, line));
      text($('logs-state'), 'stream ended; reconnecting');
    } catch (e) {
      if (logs.ctl.signal.aborted) return;
      text($('logs-state'), `${e.message}; retrying`);
      if (e.status === 404 || e.status === 400) return;
    }
    await sleep(2000, logs.ctl.signal);
  }
}

const MAX_LINES = 2000;

function addLine(logs, entry) {
  if (state.logs !== logs) return;
  const at = entry.at ? new Date(entry.at) : null;
  const source = entry.app != null ? `${entry.app}:${entry.index}` : '';
  const el = h('div', { class: `line ${entry.stream === 'err' ? 'err' : 'out'}` },
    h('time', { datetime: entry.at ?? null }, at ? at.toLocaleTimeString([], { hour12: false }) : ''),
    h('span', { class: 'src' }, source),
    h('span', { class: 'msg' }, entry.message ?? entry.line ?? ''));
  if (logs.paused) { logs.pending.push(el); return; }
  append([el]);
}

function append(els) {
  const box = $('log-lines');
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.append(...els);
  while (box.childElementCount > MAX_LINES) box.firstElementChild.remove();
  if (atBottom) box.scrollTop = box.scrollHeight;
}

function togglePause() {
  const logs = state.logs;
  if (!logs) return;
  logs.paused = !logs.paused;
  $('logs-pause').setAttribute('aria-pressed', String(logs.paused));
  text($('logs-pause'), logs.paused ? `Resume${logs.pending.length ? ` (${logs.pending.length})` : ''}` : 'Pause');
  if (!logs.paused) { append(logs.pending); logs.pending = []; }
}

function closeLogs() {
  if (!state.logs) return;
  state.logs.ctl.abort();
  state.logs = null;
  $('logs').hidden = true;
  document.body.classList.remove('with-logs');
}

// ---- toasts -------------------------------------------------------------------------------------------------

function toast(message, tone = 'info') {
  const el = h('div', { class: 'toast', dataset: { tone }, role: tone === 'bad' ? 'alert' : 'status' },
    h('span', {}, message),
    h('button', { type: 'button', class: 'btn ghost small', 'aria-label': 'Dismiss', onclick: () => el.remove() }, '✕'));
  $('toasts').append(el);
  setTimeout(() => el.remove(), tone === 'bad' ? 15_000 : 6000);
}

init();
