// `fixgw admin`: the operator's commands against a running gateway's admin HTTP API
// (halt, resume, killswitch, end-of-day, expire-sweep; deposit, withdraw, adjust), and `health` (the Docker
// HEALTHCHECK). Prints the answer as one JSON line; exit 0 when the engine applied it (health: when the gateway is up),
// 1 when it refused or the request failed. The gateway is found from its .cfg (--config) unless --url or FIXGW_URL says
// where it is. The balance commands need a reference id (--ref): run the same command again and the engine answers
// with the first result, moving nothing.
import http from 'node:http';
import https from 'node:https';
import { Command, InvalidArgumentError } from 'commander';
import { loadGatewaySettings, type GatewayFileSettings } from '../gateway/index.js';
import { adminTokenOf } from '../http/admin-api.js';
import { httpUrlOf, packagedGatewayConfigPath } from './gateway-address.js';

interface AdminOptions { url?: string; token?: string; timeoutMs: number; config: string }

function parseOnOff(value: string): boolean {
  if (/^(on|true|y|yes|1)$/i.test(value)) return true;
  if (/^(off|false|n|no|0)$/i.test(value)) return false;
  throw new InvalidArgumentError('expected on or off');
}

function parseTimeoutMs(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a positive number of milliseconds');
  return n;
}

/** The gateway's settings, read only when --url and FIXGW_URL leave the address (or the token) to them. */
function settingsOf(opts: AdminOptions): GatewayFileSettings | undefined {
  try {
    return loadGatewaySettings(opts.config);
  } catch (err) {
    if (opts.config !== packagedGatewayConfigPath()) throw err;
    return undefined;
  }
}

function baseUrlOf(opts: AdminOptions, settings: () => GatewayFileSettings | undefined): string {
  const given = opts.url ?? process.env['FIXGW_URL'];
  if (given !== undefined && given !== '') return given;
  const s = settings();
  return s !== undefined ? httpUrlOf(s) : 'http://127.0.0.1:8080';
}

function fail(message: string): void {
  process.stderr.write(`fixgw admin: ${message}\n`);
  process.exitCode = 1;
}

async function call(opts: AdminOptions, path: string, body: object): Promise<void> {
  let loaded: GatewayFileSettings | undefined | null = null;
  const settings = () => (loaded === null ? (loaded = settingsOf(opts)) : loaded);
  let url: string;
  let token: string | undefined;
  try {
    url = new URL(`/api/v1/admin/${path}`, baseUrlOf(opts, settings)).toString();
    token = opts.token ?? adminTokenOf(settings()?.adminToken);
  } catch (err) {
    fail((err as Error).message);
    return;
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token !== undefined && token !== '' ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    fail(`${url}: ${(err as Error).message}`);
    return;
  }
  const text = await res.text();
  if (res.status === 200 || res.status === 422) {
    process.stdout.write(text.trimEnd() + '\n');
    if (res.status !== 200) process.exitCode = 1;
    return;
  }
  let message = text;
  try { message = (JSON.parse(text) as { message?: string }).message ?? text; } catch { /* not JSON: print as is */ }
  fail(`HTTP ${res.status}: ${message}`);
}

/** GET /health. It carries no token and no secret, so a self-signed HTTPS certificate is accepted. */
async function health(opts: AdminOptions): Promise<void> {
  let url: URL;
  try {
    url = new URL('/health', baseUrlOf(opts, () => settingsOf(opts)));
  } catch (err) {
    fail((err as Error).message);
    return;
  }
  const get = url.protocol === 'https:' ? https.get : http.get;
  await new Promise<void>((resolve) => {
    const req = get(url, { rejectUnauthorized: false, timeout: opts.timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => {
        if (res.statusCode === 200) process.stdout.write(text.trimEnd() + '\n');
        else fail(`${url.href}: HTTP ${res.statusCode}: ${text.trimEnd()}`);
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (err) => { fail(`${url.href}: ${err.message}`); resolve(); });
  });
}

export function register(program: Command): void {
  const admin = program
    .command('admin')
    .description('operator commands for a running gateway (admin HTTP API): halt, resume, killswitch, end-of-day, expire-sweep, deposit, withdraw, adjust, health')
    .option('--config <file>', 'the gateway settings (.cfg): HttpHost, HttpPort and AdminToken say where and how to ask', packagedGatewayConfigPath())
    .option('--url <url>', 'the gateway HTTP server (default: env FIXGW_URL, else from --config)')
    .option('--token <token>', 'admin bearer token (default: env FIXGW_ADMIN_TOKEN, else AdminToken of --config)')
    .option('--timeout-ms <ms>', 'give up after this long', parseTimeoutMs, 15_000);
  const opts = (): AdminOptions => admin.opts<AdminOptions>();

  admin.command('halt <symbol>').description('halt trading in a symbol (new orders are rejected)')
    .option('--text <text>', 'reason, for the log and journal')
    .action((symbol: string, o: { text?: string }) => call(opts(), 'halt', { symbol, ...(o.text !== undefined ? { text: o.text } : {}) }));
  admin.command('resume <symbol>').description('resume trading in a halted symbol')
    .option('--text <text>', 'reason, for the log and journal')
    .action((symbol: string, o: { text?: string }) => call(opts(), 'resume', { symbol, ...(o.text !== undefined ? { text: o.text } : {}) }));
  admin.command('killswitch').description("kill switch: on cancels the account's orders and blocks new ones; off lifts it")
    .argument('<account>', 'the account').argument('<state>', 'on or off', parseOnOff)
    .action((account: string, on: boolean) => call(opts(), 'killswitch', { account, on }));
  admin.command('end-of-day [symbol]').description('expire Day orders (all symbols, or one)')
    .action((symbol: string | undefined) => call(opts(), 'end-of-day', symbol !== undefined ? { symbol } : {}));
  admin.command('expire-sweep').description('expire GTD orders whose ExpireTime has passed')
    .action(() => call(opts(), 'expire-sweep', {}));
  for (const [verb, what] of [['deposit', 'credit an amount to the available balance'], ['withdraw', 'debit an amount (never more than is available)'],
    ['adjust', 'add a signed amount, e.g. -0.01 (an operator correction; write it after --: adjust ACME USD -- -0.01)']] as const) {
    admin.command(`${verb} <account> <asset> <amount>`).description(`${what}; idempotent by --ref`)
      .requiredOption('--ref <refId>', 'reference id (1..128 characters): the same id again is answered with the first result')
      .option('--text <text>', 'note, kept in the journal')
      .action((account: string, asset: string, amount: string, o: { ref: string; text?: string }) =>
        call(opts(), verb, { refId: o.ref, account, asset, amount, ...(o.text !== undefined ? { text: o.text } : {}) }));
  }
  admin.command('health').description('is the gateway up? GET /health; exit 0 when it answers 200 (no token needed)')
    .action(() => health(opts()));
}
