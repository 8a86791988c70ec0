// The API client: JSON in and out, the bearer token, problem+json turned into ApiError (with its
// stable `code` for translation) and a failed connection into NetworkError (shown with a retry).
import { token } from './session.js';
import { currentLang } from './i18n.js';

export const BASE = '/api/v1';

/** The API answered with a problem (RFC 9457 with Linli's `code`). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || 'internal';
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.requestId = problem.request_id;
  }
}

/** The API could not be reached. */
export class NetworkError extends Error {}

/** Listeners told when the session is no longer valid (401), to send the person to log in. */
const unauthorized = new Set();
export function onUnauthorized(listener) {
  unauthorized.add(listener);
}

/**
 * Calls the API. `query` becomes the query string (undefined values skipped); `body` is sent as
 * JSON; `idempotencyKey` is sent as Idempotency-Key so a retried call is done once.
 */
export async function call(method, path, { query, body, idempotencyKey } = {}) {
  const url = new URL(BASE + path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const headers = { Accept: 'application/json', 'Accept-Language': currentLang() };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let response;
  try {
    response = await fetch(url, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit', cache: 'no-store',
    });
  } catch (cause) {
    throw new NetworkError(String(cause));
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data || { code: response.status >= 500 ? 'internal' : 'bad_request' });
    if (response.status === 401 && bearer) unauthorized.forEach((listener) => listener(error));
    throw error;
  }
  return data;
}

export const get = (path, query) => call('GET', path, { query });
export const post = (path, body, options = {}) => call('POST', path, { body, ...options });
export const put = (path, body) => call('PUT', path, { body });
export const del = (path) => call('DELETE', path);

/** A fresh idempotency key: one per intended action, reused when that action is retried. */
export function newKey() {
  return crypto.randomUUID();
}
