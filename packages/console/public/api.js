// @ts-check
/** The API client: the key lives in sessionStorage (this tab only) and goes out as a Bearer token. */

const KEY = 'hub.console.apiKey';

export function getKey() {
  return sessionStorage.getItem(KEY);
}
export function setKey(k) {
  sessionStorage.setItem(KEY, k);
}
export function clearKey() {
  sessionStorage.removeItem(KEY);
}

/** An API error: HTTP status plus the API's `{code, message, details}`. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? 'HTTP_' + status;
    this.details = body?.details;
  }
}

/** Called on 401 (the key was revoked or mistyped): the app shows the login form again. */
let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/**
 * Calls the API. `body`: an object (sent as JSON) or FormData (multipart). Resolves with the parsed JSON
 * (or text for non-JSON answers, or undefined for 204); rejects with ApiError.
 * @param {string} method
 * @param {string} path
 * @param {any} [body]
 * @param {Record<string,string>} [headers]
 */
export async function api(method, path, body, headers = {}) {
  const h = { ...headers };
  const key = getKey();
  if (key) h.authorization = `Bearer ${key}`;
  /** @type {RequestInit} */
  const init = { method, headers: h, cache: 'no-store' };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    h['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const type = res.headers.get('content-type') ?? '';
  const data =
    res.status === 204
      ? undefined
      : type.includes('json')
        ? await res.json().catch(() => undefined)
        : await res.text();
  if (!res.ok) {
    const err = new ApiError(res.status, typeof data === 'object' ? data : { message: String(data ?? '') });
    if (res.status === 401) onUnauthorized();
    throw err;
  }
  return data;
}

export const get = (p) => api('GET', p);
export const post = (p, b, h) => api('POST', p, b, h);
export const put = (p, b, h) => api('PUT', p, b, h);
export const del = (p) => api('DELETE', p);
