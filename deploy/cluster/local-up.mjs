#!/usr/bin/env node
// The topology of compose.yaml as local processes: 3 nats-server (JetStream, on free loopback ports) and N gateway
// nodes (`fixgw serve`). Needs `nats-server` on PATH and a built fixgw (npm run build). Ctrl-C stops everything.
//
//   node deploy/cluster/local-up.mjs [--gateways 2] [--replicas 3] [--fix-port 9876] [--http-port 8080] [--dir DIR]
//
// Node a listens for FIX on --fix-port, b on --fix-port + 1, ...; HTTP likewise from --http-port. State (NATS stores,
// gateway data, logs) goes to DIR (default: a new temp directory, kept after exit so the logs can be read).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    gateways: { type: 'string', default: '2' }, replicas: { type: 'string', default: '3' },
    'fix-port': { type: 'string', default: '9876' }, 'http-port': { type: 'string', default: '8080' }, dir: { type: 'string' },
  },
});
const int = (name, lo, hi) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < lo || n > hi) { console.error(`local-up: --${name} must be an integer in ${lo}..${hi}`); process.exit(2); }
  return n;
};
const opts = {
  gateways: int('gateways', 0, 26), replicas: int('replicas', 1, 3), fixPortBase: int('fix-port', 1, 65000), httpPortBase: int('http-port', 1, 65000),
  dir: values.dir ?? mkdtempSync(path.join(tmpdir(), 'fixgw-cluster-')), cli: path.join(root, 'dist/src/cli/main.js'),
};
let localUp;
try {
  ({ localUp } = await import(path.join(root, 'dist/src/cluster/local-up.js')));
} catch {
  console.error('local-up: fixgw is not built; run `npm run build` first');
  process.exit(2);
}
const topology = await localUp(opts);
console.log(`NATS: ${topology.nats.urls.join(',')}  (monitoring ${topology.nats.httpUrls.join(' ')})`);
for (const g of topology.gateways) console.log(`gateway ${g.nodeId}: FIX 127.0.0.1:${g.fixPort}  HTTP http://127.0.0.1:${g.httpPort}  log ${path.join(g.dir, 'serve.log')}`);
for (const g of topology.gateways) g.proc.once('exit', (code, signal) => { if (!stopping) console.log(`gateway ${g.nodeId} exited (${signal ?? code}); see ${path.join(g.dir, 'serve.log')}`); });
console.log(`state in ${opts.dir}; ready (Ctrl-C stops)`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await topology.stop();
  console.log('stopped');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
