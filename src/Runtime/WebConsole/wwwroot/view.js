// Draws one snapshot (GET /api/console/snapshots) into the dashboard: summary, hosts, apps and their instances, with charts.
// Elements are kept per key and updated in place, so the page refreshes every second without losing focus.

import { $, h, text, attr, sync, bytes, percent, uptime, tone, DASH } from './util.js';
import { Series, sparkline, draw } from './charts.js';

export class Dashboard {
  /** @param {(action: string, target: string, app: object) => void} onAction */
  constructor(onAction) {
    this.onAction = onAction;
    this.history = new Map(); // cluster id -> Series: switching clusters keeps each one's charts
    this.series = new Series();
  }

  reset(clusterId) {
    if (!this.history.has(clusterId)) this.history.set(clusterId, new Series());
    this.series = this.history.get(clusterId);
    $('hosts-table').tBodies[0].replaceChildren();
    $('apps').replaceChildren();
  }

  render(snap) {
    const now = Date.now();
    const tick = Math.round(Date.parse(snap.at) / 1000) || Math.round(now / 1000);
    const apps = snap.apps?.apps ?? [];
    const members = snap.cluster?.members ?? [];
    const hosts = snap.hosts ?? [];
    for (const host of hosts) {
      const cpu = host.cpus > 0 ? (host.load1 / host.cpus) * 100 : null;
      const mem = host.memoryTotal > 0 ? host.memoryTotal - host.memoryAvailable : null;
      this.series.push(`cpu:${host.address}`, cpu, tick);
      this.series.push(`mem:${host.address}`, mem, tick);
    }
    for (const i of apps.flatMap(a => a.instances)) {
      this.series.push(`cpu:${i.id}`, i.cpu, tick);
      this.series.push(`mem:${i.id}`, i.memory, tick);
    }
    if (tick % 60 === 0) this.series.prune(tick);
    this.summary(apps, members, hosts, Date.parse(snap.at) || now);
    this.hosts(members, hosts);
    this.apps(apps, now);
  }

  summary(apps, members, hosts, at) {
    const reachable = members.filter(m => m.reachable).length;
    text($('sum-hosts'), hosts.length);
    text($('sum-hosts-sub'), `${reachable}/${members.length} members reachable`);
    text($('sum-apps'), apps.length);
    const stopped = apps.filter(a => !a.running).length;
    text($('sum-apps-sub'), stopped ? `${stopped} stopped` : 'all running');
    const instances = apps.flatMap(a => a.instances);
    const online = instances.filter(i => i.status === 'online').length;
    const desired = apps.filter(a => a.running).reduce((n, a) => n + a.spec.instances, 0);
    text($('sum-instances'), `${online}/${desired}`);
    text($('sum-instances-sub'), `${instances.length} instances in all`);
    const errored = instances.filter(i => i.status === 'errored').length;
    const looping = instances.filter(i => i.status !== 'errored' && crashLooping(i, at)).length;
    const waiting = instances.filter(i => ['pending', 'launching'].includes(i.status) && !crashLooping(i, at)).length;
    const unreachable = members.length - reachable;
    const halted = apps.filter(a => a.rollout?.state === 'halted').length;
    const unhealthy = instances.filter(i => i.status === 'unhealthy').length;
    const problems = errored + looping + unreachable + halted + unhealthy;
    text($('sum-problems'), problems);
    $('sum-problems').dataset.tone = problems ? 'bad' : waiting ? 'warn' : 'ok';
    text($('sum-problems-sub'), [errored && `${errored} errored`, unhealthy && `${unhealthy} unhealthy`, looping && `${looping} crash-looping`, unreachable && `${unreachable} unreachable`,
      halted && `${halted} rollout${halted > 1 ? 's' : ''} halted`, waiting && `${waiting} starting`]
      .filter(Boolean).join(', ') || 'none');
  }

  hosts(members, hosts) {
    // One row per cluster member; host agents carry the load, lighthouses (seed only) show just membership.
    const byAddress = new Map(hosts.map(x => [x.address, x]));
    const rows = members.map(m => ({ member: m, host: byAddress.get(m.address) }));
    for (const x of hosts) if (!members.some(m => m.address === x.address)) rows.push({ member: null, host: x });
    sync($('hosts-table').tBodies[0], rows, r => r.member?.address ?? r.host.address, () => this.hostRow(), (tr, r) => this.updateHost(tr, r));
  }

  hostRow() {
    const c = {};
    const tr = h('tr', {},
      c.name = h('th', { scope: 'row' }),
      c.roles = h('td'),
      h('td', {}, c.status = h('span', { class: 'badge' })),
      c.instances = h('td', { class: 'num' }),
      h('td', { class: 'metric' }, c.cpu = h('span', { class: 'metric-value' }), c.cpuChart = sparkline('CPU load')),
      h('td', { class: 'metric' }, c.mem = h('span', { class: 'metric-value' }), c.memChart = sparkline('Memory used')));
    tr.cells_ = c;
    return tr;
  }

  updateHost(tr, { member, host }) {
    const c = tr.cells_;
    const address = member?.address ?? host.address;
    tr.dataset.host = host?.node ?? address;
    text(c.name, host?.node ?? address.replace(/^akka\.tcp:\/\/pbm@/, ''));
    attr(c.name, 'title', address);
    text(c.roles, (member?.roles ?? []).join(', ') + (member?.isLeader ? ' · leader' : '') || DASH);
    const state = !member ? 'not a member' : !member.reachable ? 'unreachable' : member.status.toLowerCase();
    text(c.status, state);
    c.status.dataset.tone = !member ? 'warn' : !member.reachable ? 'bad' : member.status === 'Up' ? 'ok' : 'warn';
    text(c.instances, host ? `${host.online}/${host.instances}` : DASH);
    const key = host?.address ?? address;
    const cpu = host && host.cpus > 0 ? (host.load1 / host.cpus) * 100 : null;
    text(c.cpu, cpu == null ? DASH : `${percent(cpu)}`);
    attr(c.cpu, 'title', host ? `load ${host.load1.toFixed(2)} on ${host.cpus} CPUs` : null);
    draw(c.cpuChart, this.series.values(`cpu:${key}`), 100, `CPU load of ${tr.dataset.host} over the last 5 minutes, now ${percent(cpu)}`);
    const used = host && host.memoryTotal > 0 ? host.memoryTotal - host.memoryAvailable : null;
    text(c.mem, used == null ? DASH : `${bytes(used)} / ${bytes(host.memoryTotal)}`);
    draw(c.memChart, this.series.values(`mem:${key}`), 1, `Memory used on ${tr.dataset.host} over the last 5 minutes, now ${bytes(used)}`);
  }

  apps(apps, now) {
    $('no-apps').hidden = apps.length > 0;
    sync($('apps'), apps, a => a.spec.name, a => this.appCard(a), (el, a) => this.updateApp(el, a, now));
  }

  appCard(app) {
    const name = app.spec.name;
    const id = `app-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const c = { buttons: {} };
    const act = action => () => this.onAction(action, c.app.spec.name, c.app);
    const btn = (action, label, style, help) => {
      const b = h('button', { type: 'button', class: `btn small ${style ?? 'ghost'}`, dataset: { action }, onclick: act(action) }, label);
      b.setAttribute('aria-label', `${help ?? label} ${name}`);
      return c.buttons[action] = b;
    };
    const el = h('article', { class: 'app', 'aria-labelledby': `${id}-h`, dataset: { app: name } },
      h('header', { class: 'app-head' },
        h('div', { class: 'app-title' },
          c.dot = h('span', { class: 'dot', 'aria-hidden': 'true' }),
          h('h3', { id: `${id}-h` }, name),
          c.version = h('span', { class: 'chip' }),
          c.state = h('span', { class: 'badge' }),
          c.ready = h('span', { class: 'muted', dataset: { col: 'ready' } }),
          c.port = h('span', { class: 'muted mono' })),
        h('div', { class: 'app-actions', role: 'toolbar', 'aria-label': `Actions for ${name}` },
          btn('logs', 'Logs', 'ghost', 'Show the logs of'),
          btn('restart', 'Restart', 'ghost'),
          btn('reload', 'Reload', 'ghost', 'Zero-downtime reload of'),
          btn('scale', 'Scale', 'ghost'),
          btn('deploy', 'Deploy', 'ghost'),
          btn('rollback', 'Rollback', 'ghost'),
          btn('start', 'Start', 'ghost'),
          btn('stop', 'Stop', 'ghost'),
          btn('delete', 'Delete', 'danger-ghost'))),
      c.rollout = h('div', { class: 'rollout', role: 'status', hidden: true },
        c.rolloutText = h('span'),
        c.progress = h('progress', { max: 1, value: 0, 'aria-label': `Rollout progress of ${name}` })),
      c.script = h('p', { class: 'muted mono script' }),
      h('div', { class: 'table-wrap' },
        h('table', { class: 'grid instances' },
          h('caption', { class: 'sr-only' }, `Instances of ${name}`),
          h('thead', {}, h('tr', {}, ...['Instance', 'Status', 'PID', 'Host', 'CPU', 'Memory', 'Restarts', 'Uptime', 'Actions']
            .map(t => h('th', { scope: 'col' }, t)))),
          c.rows = h('tbody'))));
    el.cells_ = c;
    return el;
  }

  updateApp(el, app, now) {
    const c = el.cells_;
    c.app = app;
    const spec = app.spec;
    const online = app.instances.filter(i => i.status === 'online').length;
    const anyErrored = app.instances.some(i => i.status === 'errored');
    const appTone = !app.running ? 'off' : anyErrored ? 'bad' : online < spec.instances ? 'warn' : 'ok';
    c.dot.dataset.tone = appTone;
    text(c.version, `v${spec.version}`);
    text(c.state, app.running ? 'running' : 'stopped');
    c.state.dataset.tone = appTone;
    text(c.ready, app.running ? `${online}/${spec.instances} ready` : `0/${spec.instances} ready`);
    text(c.port, spec.port ? `:${spec.port}${spec.route ?? ''}` : '');
    text(c.script, [spec.script, ...spec.args.filter(a => a !== spec.script)].join(' '));
    c.buttons.start.hidden = app.running;
    c.buttons.stop.hidden = !app.running;
    c.buttons.rollback.hidden = app.previousVersion == null;
    this.rollout(c, app);
    sync(c.rows, [...app.instances].sort((a, b) => a.index - b.index), i => i.id, i => this.instanceRow(i), (tr, i) => this.updateInstance(tr, i, app, now));
  }

  rollout(c, app) {
    const r = app.rollout;
    // A finished rollout stays in view for a minute, a halted one until the next.
    const show = r && (r.state !== 'done' || Date.now() - Date.parse(r.at) < 60_000);
    c.rollout.hidden = !show;
    if (!show) return;
    c.rollout.dataset.state = r.state;
    const versions = r.fromVersion === r.toVersion ? `v${r.toVersion}` : `v${r.fromVersion} → v${r.toVersion}`;
    const words = r.state === 'running' ? `${r.kind} ${versions}: ${r.replaced}/${r.total} replaced`
      : r.state === 'done' ? `${r.kind} ${versions} done: ${r.replaced}/${r.total} replaced`
      : `${r.kind} ${versions} ${r.state} after ${r.replaced}/${r.total}${r.reason ? `: ${r.reason}` : ''}`;
    text(c.rolloutText, words);
    attr(c.progress, 'max', Math.max(1, r.total));
    attr(c.progress, 'value', r.replaced);
  }

  instanceRow(inst) {
    const c = {};
    const act = action => () => this.onAction(action, c.inst.id, c.app);
    const btn = (action, label, help) => {
      const b = h('button', { type: 'button', class: 'btn small ghost', dataset: { action }, onclick: act(action), 'aria-label': `${help ?? label} ${inst.id}` }, label);
      c[action] = b;
      return b;
    };
    const tr = h('tr', { dataset: { instance: inst.id } },
      c.id = h('th', { scope: 'row', class: 'mono', dataset: { col: 'id' } }),
      h('td', { dataset: { col: 'status' } }, c.status = h('span', { class: 'badge' }), c.reason = h('small', { class: 'reason' })),
      c.pid = h('td', { class: 'num mono', dataset: { col: 'pid' } }),
      c.host = h('td', { dataset: { col: 'host' } }),
      h('td', { class: 'metric', dataset: { col: 'cpu' } }, c.cpu = h('span', { class: 'metric-value' }), c.cpuChart = sparkline('CPU')),
      h('td', { class: 'metric', dataset: { col: 'memory' } }, c.mem = h('span', { class: 'metric-value' }), c.memChart = sparkline('Memory')),
      c.restarts = h('td', { class: 'num', dataset: { col: 'restarts' } }),
      c.uptime = h('td', { class: 'num', dataset: { col: 'uptime' } }),
      h('td', { class: 'row-actions' },
        btn('logs', 'Logs', 'Show the logs of'), btn('restart', 'Restart'), btn('disconnect', 'Disconnect'), btn('stop', 'Stop'), btn('start', 'Start')));
    tr.cells_ = c;
    return tr;
  }

  updateInstance(tr, inst, app, now) {
    const c = tr.cells_;
    c.inst = inst;
    c.app = app;
    text(c.id, inst.version !== app.spec.version ? `${inst.id} (v${inst.version})` : inst.id);
    text(c.status, inst.status);
    c.status.dataset.tone = tone(inst.status);
    const reason = inst.reason ?? (inst.status === 'errored' && inst.lastExit ? `exit ${inst.lastExit.signal ?? inst.lastExit.code}` : '');
    text(c.reason, reason);
    attr(c.reason, 'title', inst.lastExit?.detail ?? null);
    text(c.pid, inst.pid ?? DASH);
    text(c.host, inst.host || DASH);
    text(c.cpu, percent(inst.cpu));
    draw(c.cpuChart, this.series.values(`cpu:${inst.id}`), 100, `CPU of ${inst.id} over the last 5 minutes, now ${percent(inst.cpu)}`);
    text(c.mem, bytes(inst.memory));
    draw(c.memChart, this.series.values(`mem:${inst.id}`), 1, `Memory of ${inst.id} over the last 5 minutes, now ${bytes(inst.memory)}`);
    text(c.restarts, inst.restarts);
    text(c.uptime, inst.status === 'online' ? uptime(inst.startedAt, now) : DASH);
    c.disconnect.hidden = !app.spec.port || inst.status === 'disconnected' || inst.status === 'stopped';
    c.stop.hidden = inst.status === 'stopped';
    c.start.hidden = inst.status !== 'stopped';
  }
}

// An instance that is failing but not yet errored: waiting to be restarted after a crash, restarted before its
// min uptime (unstable), or crashed within the last minute (not a stop pbm asked for). "Restarts climbing" is a
// problem even while the instance is momentarily online between crashes.
const REQUESTED = new Set(['SIGTERM', 'SIGINT']);
function crashLooping(i, at) {
  if (i.status === 'waiting-restart' || i.unstableRestarts > 0) return true;
  const exit = i.lastExit;
  if (!exit || i.restarts === 0 || exit.code === 0 || REQUESTED.has(exit.signal)) return false;
  return at - Date.parse(exit.at) < 60_000;
}
