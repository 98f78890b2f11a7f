// The one way the site talks to the API: same-origin fetch (the HttpOnly session cookie goes
// along by itself), JSON in and out, and the API's error object turned into an ApiError.

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `The server answered ${status}. Please try again.`);
    this.status = status;
    this.code = e.code || 'http_' + status;
    this.field = e.field || null;
    this.reviewId = e.review_id || null;
  }
}

export async function api(path, { method = 'GET', body, query } = {}) {
  let url = '/api' + path;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    }
    const s = qs.toString();
    if (s) url += '?' + s;
  }
  const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, opts);
  } catch {
    throw new ApiError(0, { error: { code: 'network', message: 'Could not reach the server. Check your connection and try again.' } });
  }
  if (res.status === 204) return null;
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (!res.ok) {
    if (res.status === 401) forgetSignedIn();
    throw new ApiError(res.status, data);
  }
  return data;
}

// Whether this browser holds a session is known only to the server (the cookie is HttpOnly).
// A hint in localStorage saves signed-out visitors a 401 on every page; the server stays the judge.
const HINT = 'frostbyte.signed_in';
export function rememberSignedIn() { localStorage.setItem(HINT, '1'); }
export function forgetSignedIn() { localStorage.removeItem(HINT); }

let meOnce = null;
export function currentUser() {
  if (!meOnce) {
    meOnce = localStorage.getItem(HINT)
      ? api('/users/me').catch((e) => { if (e.status !== 401) throw e; return null; })
      : Promise.resolve(null);
  }
  return meOnce;
}

// Walks a paged list to the end (for small lists: parks, a user's own items).
export async function all(path, query = {}) {
  const items = [];
  let cursor = null;
  do {
    const page = await api(path, { query: { ...query, limit: 50, cursor } });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}
