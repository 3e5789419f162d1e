// JSON calls to the candidate API: CSRF header on writes, one error shape for every failure.

const csrfMeta = document.querySelector('meta[name="csrf-token"]');
const CSRF_TOKEN = csrfMeta ? csrfMeta.content : "";

/** The server answered with an error; `code` names the domain error (DraftConflict, ...). */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `The server answered ${status}.`);
    this.status = status;
    this.code = (body && body.code) || "";
    this.body = body || {};
  }
}

/**
 * The request was not served: no network, a proxy in between failed, or the server said it
 * cannot serve it right now (a full disk, its database away). Send it again later:
 * `retryAfterMs` is the server's Retry-After, when it gave one.
 */
export class OfflineError extends Error {
  constructor(message, { retryAfterMs = 0, fromServer = false } = {}) {
    super(message);
    this.retryAfterMs = retryAfterMs;
    this.fromServer = fromServer; // the message is the server's own, worth showing as it is
  }
}

export async function api(url, { method = "GET", body, keepalive = false } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRFToken"] = CSRF_TOKEN;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      keepalive,
      credentials: "same-origin",
      cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new OfflineError("You appear to be offline.");
  }
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    data = null;
  }
  if (response.ok) return data;
  // A gateway error, or the app saying it cannot serve this now: like being offline, with the
  // server's own words when it has some ("the server's disk is full ...").
  if ([502, 503, 504].includes(response.status) && !(data && data.code)) {
    const seconds = Number(response.headers.get("Retry-After"));
    const said = data && typeof data.error === "string" ? data.error : "";
    throw new OfflineError(said || "The server cannot be reached right now.", {
      retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0,
      fromServer: Boolean(said),
    });
  }
  if (response.status === 400 && data && /CSRF/.test(data.error || "")) {
    // The browser session that issued the page's token is gone (cookies cleared, server reset).
    throw new ApiError(400, {
      code: "SessionLost",
      error: "Your browser session has changed. Reload the page to keep saving; your changes are kept in this browser until then.",
    });
  }
  throw new ApiError(response.status, data);
}
