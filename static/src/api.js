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

/** The request never reached the application: no network, or a proxy in between failed. */
export class OfflineError extends Error {}

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
  // A gateway error means the app itself was not reached: treat it like being offline.
  if ([502, 503, 504].includes(response.status) && !(data && data.code)) {
    throw new OfflineError("The server cannot be reached right now.");
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
