// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's REST API and event stream, with the token of this tab.

const TOKEN_KEY = "cardroute-token";

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(token) {
  if (token)
    sessionStorage.setItem(TOKEN_KEY, token);
  else
    sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  describe() {
    if (this.status === 0)
      return `the daemon does not answer (${this.message})`;
    return `${this.status} ${this.code}: ${this.message}`;
  }
}

function headers(extra) {
  const out = Object.assign({ Accept: "application/json" }, extra);
  const token = getToken();
  if (token)
    out.Authorization = `Bearer ${token}`;
  return out;
}

export async function request(method, path, body) {
  const init = { method, cache: "no-store", headers: headers() };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, "unreachable", String(e.message || e));
  }
  const text = await resp.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!resp.ok) {
    const code = data && typeof data.error === "string" ? data.error : "failed";
    const message = data && typeof data.message === "string" ? data.message : resp.statusText;
    throw new ApiError(resp.status, code, message || `HTTP ${resp.status}`);
  }
  return data;
}

export const get = path => request("GET", path);

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// GET /api/v1/events through fetch (EventSource cannot send the token), one
// parsed event per callback; reconnects with a short back-off for as long as
// it runs. onState("open" | "closed" | "refused", status).
export class EventStream {
  constructor(onEvent, onState) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.running = false;
    this.abort = null;
    this.generation = 0;
  }

  start() {
    if (this.running)
      return;
    this.running = true;
    this.loop(++this.generation);
  }

  stop() {
    this.running = false;
    this.generation++;
    if (this.abort)
      this.abort.abort();
  }

  async loop(generation) {
    let delay = 200;
    const mine = () => this.running && this.generation === generation;
    while (mine()) {
      const ctrl = new AbortController();
      this.abort = ctrl;
      try {
        const resp = await fetch("/api/v1/events", {
          cache: "no-store", signal: ctrl.signal,
          headers: headers({ Accept: "text/event-stream" }),
        });
        if (!resp.ok) {
          this.onState("refused", resp.status);
          if (resp.status === 401 || resp.status === 403) {
            this.stop();
            return;
          }
        } else {
          this.onState("open", resp.status);
          delay = 200;
          await this.read(resp.body.getReader(), mine);
        }
      } catch {
        // the daemon went away or is not back yet
      }
      if (!mine())
        return;
      this.onState("closed", 0);
      await sleep(delay);
      delay = Math.min(delay * 2, 1600);
    }
  }

  async read(reader, mine) {
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done)
        return;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (mine())
          this.dispatch(block);
      }
      if (buffer.length > 1 << 20)
        buffer = ""; // a block that never ends: not ours
    }
  }

  dispatch(block) {
    let type = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:"))
        type = line.slice(6).trim();
      else if (line.startsWith("data:"))
        data.push(line.slice(5).trimStart());
    }
    if (data.length === 0)
      return;
    let parsed;
    try {
      parsed = JSON.parse(data.join("\n"));
    } catch {
      return;
    }
    if (parsed && typeof parsed === "object")
      this.onEvent(type, parsed);
  }
}
