// Checks a signed request (REST headers, or the private WebSocket's login message) against the API keys: each way it
// can fail has its own status and code, so a client can tell a clock that drifted from a wrong secret.
//
//   missing_credentials 401  a header (FIXGW-KEY, FIXGW-TIMESTAMP, FIXGW-SIGN) is missing or empty
//   unknown_key         401  no such key
//   invalid_timestamp   401  FIXGW-TIMESTAMP is not milliseconds since the epoch (digits)
//   stale_timestamp     401  further than ApiTimestampWindowMs from the gateway's clock
//   bad_signature       401  FIXGW-SIGN is not the HMAC of this request with the key's secret
//   permission_denied   403  the key lacks the permission the route needs (read, trade)
//   rate_limited        429  the key's requests per second are spent
import type { ApiKey, ApiKeys, Permission } from './api-keys.js';

export type AuthError = 'missing_credentials' | 'unknown_key' | 'invalid_timestamp' | 'stale_timestamp' | 'bad_signature'
  | 'permission_denied' | 'rate_limited';

export interface AuthFailure { readonly status: 401 | 403 | 429; readonly error: AuthError; readonly message: string }

export interface Credentials { key: string | undefined; timestamp: string | undefined; sign: string | undefined }

/** What was signed: the request as sent. */
export interface SignedRequest { method: string; pathWithQuery: string; body: string }

const TIMESTAMP_PATTERN = /^[0-9]{1,16}$/;

export class Authenticator {
  constructor(readonly keys: ApiKeys, readonly timestampWindowMs: number, private readonly clock: () => number = Date.now) {}

  /** The request's key when it may do what `need` names, else why not. Every check but the permission is done before
   *  the budget is taken, so requests that fail authentication do not use up a key's rate limit. */
  check(c: Credentials, req: SignedRequest, need: Permission): ApiKey | AuthFailure {
    const key = this.authenticate(c, req);
    if (!('verify' in key)) return key;
    if (!key.take(this.clock())) {
      return { status: 429, error: 'rate_limited', message: `more than ${key.requestsPerSecond} requests per second with this key` };
    }
    if (!key.permissions.has(need)) {
      return { status: 403, error: 'permission_denied', message: `this key lacks the "${need}" permission` };
    }
    return key;
  }

  /** The key whose secret signed the request, within the timestamp window; no permission or rate check. */
  authenticate(c: Credentials, req: SignedRequest): ApiKey | AuthFailure {
    if (!present(c.key) || !present(c.timestamp) || !present(c.sign)) {
      return { status: 401, error: 'missing_credentials', message: 'FIXGW-KEY, FIXGW-TIMESTAMP and FIXGW-SIGN are required' };
    }
    const key = this.keys.get(c.key);
    if (key === undefined) return { status: 401, error: 'unknown_key', message: 'unknown API key' };
    if (!TIMESTAMP_PATTERN.test(c.timestamp)) {
      return { status: 401, error: 'invalid_timestamp', message: 'FIXGW-TIMESTAMP must be milliseconds since the epoch' };
    }
    const skewMs = Number(c.timestamp) - this.clock();
    if (Math.abs(skewMs) > this.timestampWindowMs) {
      return { status: 401, error: 'stale_timestamp',
        message: `FIXGW-TIMESTAMP is ${skewMs < 0 ? -skewMs : skewMs} ms ${skewMs < 0 ? 'behind' : 'ahead of'} the gateway's clock (window ${this.timestampWindowMs} ms)` };
    }
    if (!key.verify(c.timestamp, req.method, req.pathWithQuery, req.body, c.sign)) {
      return { status: 401, error: 'bad_signature', message: 'FIXGW-SIGN does not match: base64(HMAC-SHA256(secret, timestamp + method + path-with-query + body))' };
    }
    return key;
  }
}

function present(v: string | undefined): v is string {
  return v !== undefined && v !== '';
}
