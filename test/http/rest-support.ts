// Test support for the REST API and the private WebSocket channels: a real `fixgw serve` (child process, loopback,
// port 0) with cash accounts and API keys, a client that signs its requests, and a private WebSocket client.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { testEngineConfigPath } from '../../harness/engine-config.js';
import { signRequest } from '../../src/http/api-keys.js';
import { gatewayCfg, kill, serve, type Served } from '../support/served.js';

export interface KeyEntry { key: string; secret: string; account: string; permissions: string[]; requestsPerSecond?: number }

export const ACME: KeyEntry = { key: 'acme-key-1', secret: 'acme-secret-abcdef012345', account: 'ACME', permissions: ['read', 'trade'] };
export const BOB: KeyEntry = { key: 'bob-key-1', secret: 'bob-secret-abcdef0123456', account: 'BOB', permissions: ['read', 'trade'] };
export const ACME_READ: KeyEntry = { key: 'acme-read-1', secret: 'acme-read-secret-0123456', account: 'ACME', permissions: ['read'] };
export const FEES_READ: KeyEntry = { key: 'fees-read-1', secret: 'fees-read-secret-0123456', account: 'FEES', permissions: ['read'] };
export const KEYS: KeyEntry[] = [ACME, BOB, ACME_READ, FEES_READ];

/** Initial balances of the cash accounts (engine.json accounts.overrides.NAME.balances). */
export const BALANCES: Record<string, Record<string, string>> = {
  ACME: { USD: '100000', BTC: '2' },
  BOB: { USD: '9000', BTC: '5' },
  CAROL: { USD: '50000', BTC: '1' },
};

/** The tests' engine.json (the packaged one without price bands: orders here are priced far from the reference on
 *  purpose, to rest them or to need more than an account holds) with ACME, BOB and CAROL as cash accounts. */
export function engineJsonWithCashAccounts(): string {
  const config = JSON.parse(readFileSync(testEngineConfigPath(), 'utf8')) as { accounts: { overrides: Record<string, unknown> } };
  for (const [name, balances] of Object.entries(BALANCES)) config.accounts.overrides[name] = { mode: 'cash', balances };
  return JSON.stringify(config, null, 1);
}

export interface RestGateway {
  dir: string;
  served: Served;
  url: string;
  stop(): Promise<void>;
}

/** `fixgw serve` with the cash accounts, the keys (ApiKeysFile), a drop-copy session DC1 for every account, and
 *  `settings` added to [DEFAULT]. */
export async function startRestGateway(settings: Record<string, string | number | undefined> = {}, keys: KeyEntry[] = KEYS,
  env: NodeJS.ProcessEnv = {}): Promise<RestGateway> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-rest-'));
  writeFileSync(path.join(dir, 'engine.json'), engineJsonWithCashAccounts());
  writeFileSync(path.join(dir, 'keys.json'), JSON.stringify(keys));
  chmodSync(path.join(dir, 'keys.json'), 0o600);
  const cfg = gatewayCfg({ EngineConfig: path.join(dir, 'engine.json'), ApiKeysFile: path.join(dir, 'keys.json'), JournalFsync: 'N',
    MaxMessagesPerSecond: 100_000, ...settings })
    + '[SESSION]\nTargetCompID=DC1\nSessionType=dropcopy\nDropCopyAccounts=*\n';
  const served = await serve(dir, 0, { cfg, env });
  return {
    dir, served, url: `http://127.0.0.1:${served.httpPort}`,
    async stop() {
      await kill(served, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply { status: number; body: any; text: string }

export interface SignOverrides { timestamp?: string; sign?: string; headers?: Record<string, string | undefined>; signedPath?: string; signedBody?: string }

/** Signs and sends a request as the key; `o` bends one part of it (a test of what the gateway refuses). */
export async function signed(url: string, k: KeyEntry, method: string, pathWithQuery: string, body?: unknown, o: SignOverrides = {}): Promise<Reply> {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = o.timestamp ?? String(Date.now());
  const sign = o.sign ?? signRequest(k.secret, timestamp, method, o.signedPath ?? pathWithQuery, o.signedBody ?? text);
  const headers: Record<string, string> = {};
  for (const [h, v] of Object.entries({ 'FIXGW-KEY': k.key, 'FIXGW-TIMESTAMP': timestamp, 'FIXGW-SIGN': sign,
    ...(text !== '' ? { 'content-type': 'application/json' } : {}), ...o.headers })) {
    if (v !== undefined) headers[h] = v;
  }
  const res = await fetch(url + pathWithQuery, { method, headers, ...(text !== '' ? { body: text } : {}) });
  const replyText = await res.text();
  let parsed: unknown = replyText;
  try { parsed = JSON.parse(replyText); } catch { /* not JSON */ }
  return { status: res.status, body: parsed, text: replyText };
}

export function restClient(url: string, k: KeyEntry) {
  return {
    get: (p: string) => signed(url, k, 'GET', p),
    post: (p: string, body: unknown) => signed(url, k, 'POST', p, body),
    patch: (p: string, body: unknown) => signed(url, k, 'PATCH', p, body),
    delete: (p: string) => signed(url, k, 'DELETE', p),
    /** { asset: { available, reserved } } */
    async balances(): Promise<Record<string, { available: string; reserved: string }>> {
      const r = await signed(url, k, 'GET', '/api/v1/balances');
      if (r.status !== 200) throw new Error(`balances: ${r.status} ${r.text}`);
      return Object.fromEntries((r.body as Array<{ asset: string; available: string; reserved: string }>).map((b) => [b.asset, { available: b.available, reserved: b.reserved }]));
    },
  };
}

/** A private WebSocket client: records every message, waits for the ones a test expects. */
export class PrivateClient {
  readonly messages: any[] = [];
  #waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()));
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  static async open(url: string): Promise<PrivateClient> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws');
    await new Promise<void>((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    return new PrivateClient(ws);
  }

  send(msg: unknown): void { this.ws.send(JSON.stringify(msg)); }

  /** The login message of a key, signed now (or at `timestamp`). */
  static login(k: KeyEntry, id: unknown = 'login', timestamp = String(Date.now()), secret = k.secret): Record<string, unknown> {
    return { op: 'login', id, key: k.key, timestamp, sign: signRequest(secret, timestamp, 'GET', '/ws', '') };
  }

  /** The first message (after the first `skip` matches) that matches, waiting for it. */
  async next(pred: (m: any) => boolean, timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(pred);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no such message within ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(-2000)}`);
      await new Promise<void>((resolve) => { const t = setTimeout(resolve, left); this.#waiters.push(() => { clearTimeout(t); resolve(); }); });
    }
  }

  /** Waits until `n` messages match, and returns them in arrival order. */
  async count(pred: (m: any) => boolean, n: number, timeoutMs = 10_000): Promise<any[]> {
    await this.next(() => this.messages.filter(pred).length >= n, timeoutMs).catch((err: Error) => { throw new Error(`${n} messages: ${err.message}`); });
    return this.messages.filter(pred);
  }

  close(): void { this.ws.close(); }
}
