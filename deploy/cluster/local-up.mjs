#!/usr/bin/env node
// The topology of compose.yaml as local processes: `fixgw cluster up` (3 nats-server with JetStream on free loopback
// ports, N gateway nodes). Needs `nats-server` on PATH and a built fixgw (npm run build). Ctrl-C stops everything.
//
//   node deploy/cluster/local-up.mjs [--gateways 2] [--replicas 3] [--fix-port 9876] [--http-port 8080] [--dir DIR]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('local-up: fixgw is not built; run `npm run build` first');
  process.exit(2);
}
const child = spawn(process.execPath, [cli, 'cluster', 'up', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
