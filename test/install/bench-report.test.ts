// bench:report writes the benchmarks page from the benchmarks' own output: a table per benchmark, the raw JSON line,
// and the machine and Node.js version; --quick says loudly that its figures measure nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const report = fileURLToPath(new URL('../../bench/report.js', import.meta.url));

test('bench:report --quick --only snapshot writes a page with the table, the raw JSON line and the machine', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-report-'));
  try {
    const out = path.join(dir, 'benchmarks.md');
    const r = spawnSync(process.execPath, [report, '--quick', '--only', 'snapshot', '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const page = readFileSync(out, 'utf8');
    assert.match(page, /^# Benchmarks$/m);
    assert.match(page, /\*\*Written with `--quick`\*\*/);
    assert.match(page, new RegExp(`^- Node\\.js ${process.version.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(page, /^## What a snapshot costs$/m);
    const raw = page.slice(page.indexOf('## Raw output'));
    const line = raw.split('\n').find((l) => l.startsWith('{'))!;
    const json = JSON.parse(line) as { resting_orders: number; snapshot_bytes: number };
    // the table shows the figures of that very line
    assert.ok(page.includes(`| ${json.resting_orders.toLocaleString('en-US')} | ${json.snapshot_bytes.toLocaleString('en-US')} |`), page);
    const unknown = spawnSync(process.execPath, [report, '--only', 'nosuch', '--out', out], { encoding: 'utf8' });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no benchmark nosuch \(there are codec, engine, e2e, marketdata, restart, snapshot, snapshot-stall, rest, fixmd, cluster\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
