// DOM and formatting helpers. Text always goes in as textContent: app names, log lines and errors come from
// the cluster and are never parsed as HTML.

export const $ = id => document.getElementById(id);

/** h('button', {class: 'btn', onclick}, 'Text', child...) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** Sets text only when it changed, so a once-a-second refresh does not disturb selection or screen readers. */
export function text(el, value) {
  const s = value == null ? '' : String(value);
  if (el.textContent !== s) el.textContent = s;
}

export function attr(el, name, value) {
  if (value == null || value === false) { if (el.hasAttribute(name)) el.removeAttribute(name); }
  else if (el.getAttribute(name) !== String(value)) el.setAttribute(name, value === true ? '' : value);
}

/**
 * Keeps container's children in the order of items, one element per key: existing elements are updated in place
 * (buttons keep focus), new ones created, gone ones removed.
 */
export function sync(container, items, keyOf, create, update) {
  const existing = new Map();
  for (const el of container.children) if (el.dataset.key != null) existing.set(el.dataset.key, el);
  let prev = null;
  for (const item of items) {
    const key = keyOf(item);
    let el = existing.get(key);
    if (el) existing.delete(key);
    else { el = create(item); el.dataset.key = key; }
    update(el, item);
    const want = prev ? prev.nextElementSibling : container.firstElementChild;
    if (el !== want) container.insertBefore(el, want);
    prev = el;
  }
  for (const el of existing.values()) el.remove();
}

export const DASH = '–';

export function bytes(n) {
  if (n == null) return DASH;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n >= 100 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

export function percent(n) {
  return n == null ? DASH : `${n >= 10 ? Math.round(n) : n.toFixed(1)}%`;
}

export function duration(ms) {
  if (ms == null || ms < 0) return DASH;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const hr = Math.floor(m / 60);
  if (hr < 24) return `${hr}h ${m % 60}m`;
  return `${Math.floor(hr / 24)}d ${hr % 24}h`;
}

export function uptime(startedAt, now) {
  return startedAt ? duration(now - Date.parse(startedAt)) : DASH;
}

/** Colour class of an instance status: ok, warn, bad, info or off. */
export function tone(status) {
  switch (status) {
    case 'online': return 'ok';
    case 'launching': case 'stopping': case 'waiting-restart': case 'pending': return 'warn';
    case 'errored': case 'unhealthy': return 'bad';
    case 'disconnected': return 'info';
    default: return 'off';
  }
}

export const sleep = (ms, signal) => new Promise(resolve => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

/** A cluster's health at a glance, from its apps and members: level ok | warn | bad, and a few words. */
export function health(apps, members) {
  const instances = apps.flatMap(a => a.instances);
  const live = instances.filter(i => i.status !== 'stopped');
  const online = live.filter(i => i.status === 'online').length;
  const errored = live.filter(i => i.status === 'errored').length;
  const unreachable = (members ?? []).filter(m => !m.reachable).length;
  const halted = apps.some(a => a.rollout?.state === 'halted');
  const level = errored || unreachable ? 'bad' : online < live.length || halted ? 'warn' : 'ok';
  const parts = [`${online}/${live.length} online`];
  if (errored) parts.push(`${errored} errored`);
  if (unreachable) parts.push(`${unreachable} unreachable`);
  if (halted) parts.push('rollout halted');
  return { level, text: parts.join(', ') };
}
