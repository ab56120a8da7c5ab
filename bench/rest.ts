// REST benchmark: `fixgw serve` as a child process (real journal, fsync per JournalFsync), signed REST orders from
// autocannon (each request signed in its setupRequest hook, with its own client order id), and the FIX 4×100 closed
// loop of the project's load generator (`fixgw sim load`, a child process) alone and under that REST load. Prints ONE
// JSON line: REST orders/s and order→answer latency (the answer comes once the order is durable and applied), and the
// FIX rate with and without the REST load.
//   npm run bench:rest [-- --rest-seconds N --connections N --fix-orders N]
//   BENCH_FSYNC=off runs with the journal's fsync off (default: on, as shipped).
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import hdr from 'hdr-histogram-js';
import { signRequest } from '../src/http/api-keys.js';
import { CLI, gatewayCfg, serve } from '../harness/served.js';

const { values } = parseArgs({ options: {
  'rest-seconds': { type: 'string', default: '10' },
  connections: { type: 'string', default: '16' },
  'fix-orders': { type: 'string', default: '40000' },
} });
const restSeconds = Number(values['rest-seconds']);
const connections = Number(values.connections);
const fixOrders = Number(values['fix-orders']);
const fsync = process.env.BENCH_FSYNC !== 'off';

const KEYS = [
  { key: 'bench-maker', secret: 'bench-maker-secret-0123456789', account: 'BENCH-M', permissions: ['read', 'trade'], requestsPerSecond: 1_000_000 },
  { key: 'bench-taker', secret: 'bench-taker-secret-0123456789', account: 'BENCH-T', permissions: ['read', 'trade'], requestsPerSecond: 1_000_000 },
];

interface RestRun { orders: number; orders_per_s: number; p50_us: number; p99_us: number; non_2xx: number; errors: number }

/** Signed REST orders on BTC-USD for `seconds` (or until stop()): one key rests a small ask, the other takes it with an
 *  IOC bid, so the book stays small. */
function restLoad(port: number, seconds: number): { done: Promise<RestRun>; stop: () => void } {
  let n = 0;
  const latency = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let finish: (err: Error | null, r: autocannon.Result) => void = () => undefined;
  const done = new Promise<RestRun>((resolve, reject) => {
    finish = (err, r) => {
      if (err !== null) { reject(err); return; }
      const ok = r['2xx'];
      resolve({ orders: ok, orders_per_s: Math.round(ok / (r.duration || seconds)), p50_us: latency.getValueAtPercentile(50),
        p99_us: latency.getValueAtPercentile(99), non_2xx: r.non2xx, errors: r.errors });
    };
  });
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`, connections, pipelining: 1, duration: seconds,
    requests: [{
      method: 'POST', path: '/api/v1/orders',
      setupRequest: (req) => {
        const i = n++;
        const k = KEYS[i % 2]!;
        const body = JSON.stringify(i % 2 === 0
          ? { symbol: 'BTC-USD', side: 'sell', type: 'limit', price: '60000.00', quantity: '0.0001', timeInForce: 'GTC', clientOrderId: `m${i}` }
          : { symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '60000.00', quantity: '0.0001', timeInForce: 'IOC', clientOrderId: `t${i}` });
        const ts = String(Date.now());
        return { ...req, body, headers: { 'content-type': 'application/json', 'FIXGW-KEY': k.key, 'FIXGW-TIMESTAMP': ts,
          'FIXGW-SIGN': signRequest(k.secret, ts, 'POST', '/api/v1/orders', body) } };
      },
    }],
  }, (err, r) => finish(err ?? null, r));
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
    if (statusCode === 200) latency.recordValue(Math.max(1, Math.round(responseTimeMs * 1000)));
  });
  return { done, stop: () => instance.stop() };
}

interface FixRun { orders: number; orders_per_s: number; ack_p50_us: number | null; ack_p99_us: number | null; rejects: number; error?: string }

/** The FIX closed loop: 4 sessions × window 100, `fixgw sim load` as a child process. */
function fixLoad(port: number, httpPort: number, sender: string): Promise<FixRun> {
  const args = [CLI, 'sim', 'load', '--port', String(port), '--http-url', `http://127.0.0.1:${httpPort}`, '--sender', sender, '--sessions', '4',
    '--window', '100', '--orders', String(fixOrders), '--warmup', String(Math.min(5000, Math.floor(fixOrders / 10))), '--json', '--quiet'];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    p.on('exit', () => {
      try {
        const r = JSON.parse(out.trim().split('\n').pop() ?? '') as FixRun;
        resolve({ orders: r.orders, orders_per_s: r.orders_per_s, ack_p50_us: r.ack_p50_us, ack_p99_us: r.ack_p99_us, rejects: r.rejects,
          ...(r.error !== undefined ? { error: r.error } : {}) });
      } catch {
        reject(new Error(`fixgw sim load failed: ${err}`));
      }
    });
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-bench-rest-'));
const keysFile = path.join(dir, 'keys.json');
writeFileSync(keysFile, JSON.stringify(KEYS));
chmodSync(keysFile, 0o600);
// the shipped start-up warm-up (WarmUpOrders left at its default), unlike the tests' gateways
const cfg = gatewayCfg({ MaxMessagesPerSecond: 1_000_000, WarmUpOrders: undefined, ApiKeysFile: keysFile, JournalFsync: fsync ? 'Y' : 'N' });
const served = await serve(dir, 0, { cfg, env: { LOG_LEVEL: 'info' }, timeoutMs: 120_000 });
try {
  await restLoad(served.httpPort, 2).done;                                  // warm-up, not counted
  const restAlone = await restLoad(served.httpPort, restSeconds).done;
  const fixAlone = await fixLoad(served.fixPort, served.httpPort, 'ALONE{i}');
  const rest = restLoad(served.httpPort, 3600);
  await new Promise((r) => setTimeout(r, 1000));                           // the REST load running before FIX starts
  const fixWithRest = await fixLoad(served.fixPort, served.httpPort, 'SHARED{i}');
  rest.stop();
  const restDuringFix = await rest.done;
  process.stdout.write(JSON.stringify({
    bench: 'rest', node: process.version, cpus: os.cpus().length, loadavg_1m: os.loadavg()[0], fsync, connections,
    rest: restAlone, fix_4x100: fixAlone, fix_4x100_with_rest: fixWithRest, rest_during_fix: restDuringFix,
  }) + '\n');
} finally {
  const exited = new Promise((r) => served.proc.once('exit', r));
  served.proc.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
}
