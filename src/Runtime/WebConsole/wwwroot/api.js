// The control API of one cluster, from the browser: JSON calls, the SSE snapshot stream, the log tail.
// Every call carries the token as a bearer header (never a cookie); other clusters answer thanks to their CORS.

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

export class Api {
  /** @param {string} base e.g. "http://127.0.0.1:9110" ("" for the node that served the page) */
  constructor(base, token) {
    this.base = base.replace(/\/+$/, '');
    this.token = token;
  }

  headers(json) {
    const h = { Authorization: `Bearer ${this.token}` };
    if (json) h['Content-Type'] = 'application/json';
    return h;
  }

  async call(method, path, body, signal) {
    let res;
    try {
      res = await fetch(this.base + path, {
        method, headers: this.headers(body !== undefined), signal, cache: 'no-store',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      if (e.name === 'TimeoutError') throw new ApiError(`${this.base || location.origin} did not answer in time`, 0);
      throw new ApiError(`cannot reach ${this.base || location.origin}: ${e.message}`, 0);
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { /* not JSON: shown as the status below */ }
    if (!res.ok) throw new ApiError(data?.error ?? `${res.status} ${res.statusText || 'error'} from ${path}`, res.status);
    return data;
  }

  get(path, signal) { return this.call('GET', path, undefined, signal); }
  post(path, body = {}) { return this.call('POST', path, body); }
  del(path) { return this.call('DELETE', path); }

  app(target, verb) { return `/api/apps/${encodeURIComponent(target)}/${verb}`; }

  /** Opens a streaming GET and hands each complete line (or SSE frame) to onChunk; resolves when the stream ends. */
  async stream(path, signal, separator, onChunk) {
    let res;
    try {
      res = await fetch(this.base + path, { headers: this.headers(false), signal, cache: 'no-store' });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(`cannot reach ${this.base || location.origin}: ${e.message}`, 0);
    }
    if (!res.ok) {
      const text = await res.text();
      let error = null;
      try { error = JSON.parse(text)?.error; } catch { /* plain text */ }
      throw new ApiError(error ?? `${res.status} ${res.statusText || 'error'} from ${path}`, res.status);
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let at;
      while ((at = buffer.indexOf(separator)) >= 0) {
        const chunk = buffer.slice(0, at);
        buffer = buffer.slice(at + separator.length);
        if (chunk.trim()) onChunk(chunk);
      }
    }
  }

  /** GET /api/console/snapshots: one snapshot a second, as Server-Sent Events read through fetch (so the token stays in a header). */
  events(signal, onSnapshot) {
    return this.stream('/api/console/snapshots', signal, '\n\n', frame => {
      const data = frame.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5).trimStart()).join('\n');
      if (data) onSnapshot(JSON.parse(data));
    });
  }

  /**
   * The log tail of an app or instance from the log bus (GET /api/logs, JSON lines): the last lines, then every new
   * one from every host, on across restarts and scale-ups.
   */
  logs(target, signal, onLine) {
    const query = `?target=${encodeURIComponent(target)}&lines=200&follow=true`;
    return this.stream('/api/logs' + query, signal, '\n', line => {
      try { onLine(JSON.parse(line)); } catch { onLine({ message: line, stream: 'out' }); }
    });
  }
}
