// Streaming: verify reads a log much larger than the heap it is given, and its peak memory does not
// grow with the size of the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, tempDir } from './scenario.js';
import { writeBigLog } from './big-log.js';

const REPORT_MAX_RSS = 'data:text/javascript,process.on("exit",()=>process.stderr.write("MAXRSS_KB="+process.resourceUsage().maxRSS+"\\n"))';

function verifyWithCappedHeap(file: string): { status: number | null; stdout: string; peakRssMb: number } {
  // The young generation is capped too: from Node 22 on, V8 lets it grow further in a longer run (Node 24: 152 MiB
  // peak RSS for the 8 MiB log, 246 MiB for the 64 MiB one; 126 and 129 with this cap), which would read as the log
  // being held.
  const r = spawnSync(process.execPath, ['--max-old-space-size=40', '--max-semi-space-size=8', '--import', REPORT_MAX_RSS, CLI, 'audit', 'verify', file], { encoding: 'utf8' });
  const kb = /MAXRSS_KB=(\d+)/.exec(r.stderr)?.[1];
  assert.ok(kb !== undefined, r.stderr);
  return { status: r.status, stdout: r.stdout, peakRssMb: Number(kb) / 1024 };
}

test('verify streams a 64 MiB log with a 40 MiB heap, in no more memory than an 8 MiB log takes', () => {
  const dir = tempDir('stream');
  try {
    const small = path.join(dir, 'small.messages.log');
    const big = path.join(dir, 'big.messages.log');
    const smallMessages = writeBigLog(small, 8 * 1024 * 1024);
    const bigMessages = writeBigLog(big, 64 * 1024 * 1024);
    const a = verifyWithCappedHeap(small);
    const b = verifyWithCappedHeap(big);
    assert.equal(a.status, 0, a.stdout);
    assert.equal(b.status, 0, b.stdout);
    assert.match(a.stdout, new RegExp(`^CLEAN: ${smallMessages} messages`));
    assert.match(b.stdout, new RegExp(`^CLEAN: ${bigMessages} messages`));
    // 56 MiB more log; holding any of it per message would show here.
    assert.ok(b.peakRssMb < a.peakRssMb + 24, `peak RSS ${a.peakRssMb.toFixed(0)} MiB for 8 MiB, ${b.peakRssMb.toFixed(0)} MiB for 64 MiB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
