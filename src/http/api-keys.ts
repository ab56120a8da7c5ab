// API keys of the REST API and the private WebSocket, and the request signature they are checked with, as OKX, Binance
// and Coinbase do it: each key belongs to one account, has permissions (read, trade) and a secret; a request carries
// FIXGW-KEY, FIXGW-TIMESTAMP (ms since the epoch) and FIXGW-SIGN = base64(HMAC-SHA256(secret, timestamp + method +
// path-with-query + body)). The secret never leaves its key object: it is not in toJSON(), errors or logs.
//
// The keys file (ApiKeysFile): [{"key": "...", "secret": "...", "account": "ACME", "permissions": ["read", "trade"],
// "requestsPerSecond": 50}] (requestsPerSecond optional: ApiRequestsPerSecond applies).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

export type Permission = 'read' | 'trade';
const PERMISSIONS: ReadonlySet<string> = new Set<Permission>(['read', 'trade']);
const ENTRY_KEYS: ReadonlySet<string> = new Set(['key', 'secret', 'account', 'permissions', 'requestsPerSecond']);
/** Printable ASCII without spaces: what a header carries unchanged. */
const KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;
const SECRET_LENGTH_MIN = 16;
/** The engine session `REST:<account>` must stay within the engine's 128 characters. */
export const ACCOUNT_LENGTH_MAX = 120;
export const REQUESTS_PER_SECOND_MAX = 1_000_000;

/** The string a request's signature is computed over. */
export function signaturePayload(timestamp: string, method: string, pathWithQuery: string, body: string): string {
  return timestamp + method.toUpperCase() + pathWithQuery + body;
}

/** FIXGW-SIGN of a request: base64(HMAC-SHA256(secret, timestamp + method + path-with-query + body)). */
export function signRequest(secret: string, timestamp: string, method: string, pathWithQuery: string, body: string): string {
  return createHmac('sha256', secret).update(signaturePayload(timestamp, method, pathWithQuery, body), 'utf8').digest('base64');
}

/** One API key. */
export class ApiKey {
  readonly #secret: string;
  /** Token bucket of the key's rate limit: tokens now, and when they were counted. */
  #tokens: number;
  #countedMs = 0;

  constructor(readonly key: string, secret: string, readonly account: string, readonly permissions: ReadonlySet<Permission>,
    readonly requestsPerSecond: number) {
    this.#secret = secret;
    this.#tokens = requestsPerSecond;
  }

  /** True when `sign` is the request's signature (compared in constant time). */
  verify(timestamp: string, method: string, pathWithQuery: string, body: string, sign: string): boolean {
    const expected = createHmac('sha256', this.#secret).update(signaturePayload(timestamp, method, pathWithQuery, body), 'utf8').digest();
    const given = Buffer.from(sign, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Takes one request from the key's budget (requestsPerSecond, refilled continuously, bursts up to one second's
   *  worth); false when it is spent. */
  take(nowMs: number): boolean {
    const rate = this.requestsPerSecond;
    this.#tokens = Math.min(rate, this.#tokens + (nowMs - this.#countedMs) * rate / 1000);
    this.#countedMs = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** What may be shown or logged of a key: never its secret. */
  toJSON(): { key: string; account: string; permissions: Permission[] } {
    return { key: this.key, account: this.account, permissions: [...this.permissions] };
  }
}

export class ApiKeysError extends Error { override name = 'ApiKeysError'; }

export class ApiKeys {
  readonly #byKey = new Map<string, ApiKey>();
  /** Remarks for the operator's log (e.g. a keys file others may read). */
  readonly warnings: string[] = [];

  private constructor(keys: ApiKey[]) {
    for (const k of keys) this.#byKey.set(k.key, k);
  }

  /** Reads and checks an ApiKeysFile; throws ApiKeysError naming the file and the entry (never a secret). */
  static load(file: string, requestsPerSecondDefault: number): ApiKeys {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ApiKeysError(`${file}: cannot read the API keys file: ${(err as Error).message}`);
    }
    const keys = ApiKeys.parse(text, file, requestsPerSecondDefault);
    if ((statSync(file).mode & 0o077) !== 0) keys.warnings.push(`${file}: the API keys file can be read by other users (chmod 600 it)`);
    return keys;
  }

  static parse(text: string, source: string, requestsPerSecondDefault: number): ApiKeys {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ApiKeysError(`${source}: not JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(json)) throw new ApiKeysError(`${source}: must be a JSON array of {"key", "secret", "account", "permissions"}`);
    const keys = json.map((entry, i) => keyOf(entry, `${source}: [${i}]`, requestsPerSecondDefault));
    const seen = new Set<string>();
    keys.forEach((k, i) => {
      if (seen.has(k.key)) throw new ApiKeysError(`${source}: [${i}].key: ${JSON.stringify(k.key)} appears twice`);
      seen.add(k.key);
    });
    return new ApiKeys(keys);
  }

  static of(keys: ApiKey[]): ApiKeys { return new ApiKeys(keys); }

  get(key: string): ApiKey | undefined { return this.#byKey.get(key); }
  get size(): number { return this.#byKey.size; }
}

function keyOf(entry: unknown, at: string, requestsPerSecondDefault: number): ApiKey {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ApiKeysError(`${at}: must be an object`);
  const e = entry as Record<string, unknown>;
  for (const k of Object.keys(e)) {
    if (!ENTRY_KEYS.has(k)) throw new ApiKeysError(`${at}.${k}: unknown key; known keys: ${[...ENTRY_KEYS].join(', ')}`);
  }
  if (typeof e.key !== 'string' || !KEY_PATTERN.test(e.key)) throw new ApiKeysError(`${at}.key: 1..128 printable ASCII characters without spaces`);
  if (typeof e.secret !== 'string' || e.secret.length < SECRET_LENGTH_MIN || e.secret.length > 1024) {
    throw new ApiKeysError(`${at}.secret (of key ${e.key}): a string of ${SECRET_LENGTH_MIN}..1024 characters`);
  }
  if (typeof e.account !== 'string' || e.account.length < 1 || e.account.length > ACCOUNT_LENGTH_MAX) {
    throw new ApiKeysError(`${at}.account: a string of 1..${ACCOUNT_LENGTH_MAX} characters`);
  }
  const perms = e.permissions;
  if (!Array.isArray(perms) || perms.length === 0 || perms.some((p) => typeof p !== 'string' || !PERMISSIONS.has(p)) || new Set(perms).size !== perms.length) {
    throw new ApiKeysError(`${at}.permissions: a non-empty list of "read" and "trade", each at most once`);
  }
  const rps = e.requestsPerSecond ?? requestsPerSecondDefault;
  if (typeof rps !== 'number' || !Number.isInteger(rps) || rps < 1 || rps > REQUESTS_PER_SECOND_MAX) {
    throw new ApiKeysError(`${at}.requestsPerSecond: an integer from 1 to ${REQUESTS_PER_SECOND_MAX}`);
  }
  return new ApiKey(e.key, e.secret, e.account, new Set(perms as Permission[]), rps);
}
