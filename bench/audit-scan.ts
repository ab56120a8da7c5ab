// Bench: `fixgw audit verify` (and stats) over a generated fixgw message log of --mb megabytes (default 1024):
// throughput and peak memory. Prints one JSON line per command. Usage: node dist/bench/audit-scan.js [--mb N]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeBigLog } from '../test/audit/big-log.js';

const mbArg = process.argv.indexOf('--mb');
const targetMb = mbArg > 0 ? Number(process.argv[mbArg + 1]) : 1024;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixgw-audit-bench-'));
const file = path.join(dir, 'FIX.4.4-FIXGW-CLIENT1.messages.log');
try {
  const genStart = performance.now();
  const messages = writeBigLog(file, targetMb * 1024 * 1024);
  const fileBytes = fs.statSync(file).size;
  const genSeconds = (performance.now() - genStart) / 1000;
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  for (const verb of ['verify', 'stats']) {
    const start = performance.now();
    // GNU time reports the child's peak RSS; fall back to none when it is not installed.
    const timed = fs.existsSync('/usr/bin/time');
    const r = timed
      ? spawnSync('/usr/bin/time', ['-f', 'MAXRSS_KB=%M', process.execPath, cli, 'audit', verb, file], { encoding: 'utf8', maxBuffer: 1 << 26 })
      : spawnSync(process.execPath, [cli, 'audit', verb, file], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const seconds = (performance.now() - start) / 1000;
    const rssKb = /MAXRSS_KB=(\d+)/.exec(r.stderr ?? '')?.[1];
    console.log(JSON.stringify({
      bench: `audit-${verb}`, fileMB: Math.round(fileBytes / 1048576), messages, exitCode: r.status, seconds: Number(seconds.toFixed(2)),
      mbPerSecond: Number((fileBytes / 1048576 / seconds).toFixed(1)), messagesPerSecond: Math.round(messages / seconds),
      peakRssMB: rssKb === undefined ? null : Math.round(Number(rssKb) / 1024), generateSeconds: Number(genSeconds.toFixed(1)),
      firstLine: (r.stdout ?? '').split('\n')[verb === 'verify' ? 0 : 0],
    }));
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
