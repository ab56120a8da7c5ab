// `fixgw admin`: the operator's commands against a running gateway's admin HTTP API
// (halt, resume, killswitch, end-of-day, expire-sweep; deposit, withdraw, adjust). Prints the engine's answer as one
// JSON line; exit 0 when the engine applied it, 1 when it refused or the request failed. The balance commands need a
// reference id (--ref): run the same command again and the engine answers with the first result, moving nothing.
import { Command, InvalidArgumentError } from 'commander';

interface AdminOptions { url: string; token?: string; timeoutMs: number }

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

async function call(opts: AdminOptions, path: string, body: object): Promise<void> {
  const token = opts.token ?? process.env['FIXGW_ADMIN_TOKEN'];
  const url = new URL(`/api/v1/admin/${path}`, opts.url).toString();
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token !== undefined && token !== '' ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    process.stderr.write(`fixgw admin: ${url}: ${(err as Error).message}\n`);
    process.exitCode = 1;
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
  process.stderr.write(`fixgw admin: HTTP ${res.status}: ${message}\n`);
  process.exitCode = 1;
}

export function register(program: Command): void {
  const admin = program
    .command('admin')
    .description('operator commands for a running gateway (admin HTTP API): halt, resume, killswitch, end-of-day, expire-sweep, deposit, withdraw, adjust')
    .option('--url <url>', 'the gateway HTTP server', process.env['FIXGW_URL'] ?? 'http://127.0.0.1:8080')
    .option('--token <token>', 'admin bearer token (default: env FIXGW_ADMIN_TOKEN)')
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
}
