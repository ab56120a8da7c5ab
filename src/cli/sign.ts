// `fixgw sign`: the signature headers of a REST request (docs/rest.md), or a curl command line that sends it.
//
//   export FIXGW_API_KEY=k1 FIXGW_API_SECRET=...            (a secret on the command line shows in `ps`)
//   fixgw sign GET /api/v1/balances                          FIXGW-KEY: k1 / FIXGW-TIMESTAMP: ... / FIXGW-SIGN: ...
//   fixgw sign --curl POST /api/v1/orders '{"symbol":"BTC-USD",...}' | sh
//
// The path is signed with its query exactly as given, the body byte for byte; the gateway accepts the timestamp for
// ApiTimestampWindowMs (5 s by default), so run the curl line at once.
import { Command, InvalidArgumentError } from 'commander';
import { signRequest } from '../http/api-keys.js';

interface SignOptions { key?: string; secret?: string; timestamp?: string; curl?: boolean; url: string }

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

function parseMethod(value: string): string {
  const m = value.toUpperCase();
  if (!METHODS.has(m)) throw new InvalidArgumentError(`expected one of ${[...METHODS].join(', ')}`);
  return m;
}

/** A word for a POSIX shell: in single quotes, each ' written as '\''. */
function shellQuoted(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function signedHeaders(key: string, secret: string, timestamp: string, method: string, pathWithQuery: string, body: string): Record<string, string> {
  return { 'FIXGW-KEY': key, 'FIXGW-TIMESTAMP': timestamp, 'FIXGW-SIGN': signRequest(secret, timestamp, method, pathWithQuery, body) };
}

export function curlLine(url: string, method: string, pathWithQuery: string, body: string, headers: Record<string, string>): string {
  // joined as text: a URL parser could re-encode the path, and the gateway checks the signature of what it receives
  const parts = ['curl', '-sS', '-X', method, shellQuoted(url.replace(/\/+$/, '') + pathWithQuery)];
  for (const [k, v] of Object.entries(headers)) parts.push('-H', shellQuoted(`${k}: ${v}`));
  if (body !== '') parts.push('-H', shellQuoted('content-type: application/json'), '--data-raw', shellQuoted(body));
  return parts.join(' ');
}

export function register(program: Command): void {
  program
    .command('sign')
    .description('print the signature headers of a REST API request (or a curl command line that sends it)')
    .argument('<method>', 'GET, POST, PATCH or DELETE', parseMethod)
    .argument('<path>', 'the path with its query, exactly as sent, e.g. /api/v1/orders?symbol=BTC-USD')
    .argument('[body]', 'the JSON body, exactly as sent', '')
    .option('--key <key>', 'API key (default: env FIXGW_API_KEY)')
    .option('--secret <secret>', "the key's secret (default: env FIXGW_API_SECRET, which keeps it out of `ps`)")
    .option('--timestamp <ms>', 'milliseconds since the epoch (default: now)')
    .option('--curl', 'print a curl command line instead of the headers')
    .option('--url <url>', 'the gateway for --curl (default: env FIXGW_URL, else http://127.0.0.1:8080)', process.env['FIXGW_URL'] ?? 'http://127.0.0.1:8080')
    .action((method: string, pathWithQuery: string, body: string, o: SignOptions) => {
      const key = o.key ?? process.env['FIXGW_API_KEY'];
      const secret = o.secret ?? process.env['FIXGW_API_SECRET'];
      if (key === undefined || key === '' || secret === undefined || secret === '') {
        process.stderr.write('fixgw sign: give the key and secret (--key/--secret, or FIXGW_API_KEY/FIXGW_API_SECRET)\n');
        process.exitCode = 1;
        return;
      }
      if (!pathWithQuery.startsWith('/')) {
        process.stderr.write('fixgw sign: the path starts with / (e.g. /api/v1/orders)\n');
        process.exitCode = 1;
        return;
      }
      const headers = signedHeaders(key, secret, o.timestamp ?? String(Date.now()), method, pathWithQuery, body);
      process.stdout.write(o.curl === true ? curlLine(o.url, method, pathWithQuery, body, headers) + '\n'
        : Object.entries(headers).map(([k, v]) => `${k}: ${v}\n`).join(''));
    });
}
