// bench:report --baseline DIR: the end-to-end benchmark of an earlier, built checkout of fixgw (DIR) and of this one,
// run alternately in the same sitting, so a change to the order path is measured against what it replaced on the same
// machine at the same time (these machines are noisy). Each checkout runs its own bench/e2e, with its own load
// generator and shipped settings: the gateway's CPU per order is the figure to compare first.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

type Json = Record<string, unknown>;

export interface BaselineRun { checkout: 'this' | 'baseline'; round: number; json: Json | null; line: string; error?: string }

function runE2e(dir: string, args: string[]): Promise<{ json: Json | null; line: string; error?: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(dir, 'dist', 'bench', 'e2e.js'), ...args], { cwd: dir, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop() ?? '';
      try {
        resolve({ json: JSON.parse(line) as Json, line });
      } catch {
        resolve({ json: null, line, error: `${err?.message ?? 'no JSON line'}\n${stderr.slice(-2000)}` });
      }
    });
  });
}

/** Runs the two checkouts' e2e benchmarks alternately, `rounds` times each, the earlier checkout first in each round. */
export async function runBaseline(root: string, baselineDir: string, rounds: number, args: string[]): Promise<BaselineRun[]> {
  if (!existsSync(path.join(baselineDir, 'dist', 'bench', 'e2e.js'))) {
    throw new Error(`${baselineDir}: no dist/bench/e2e.js (build that checkout first: npm ci && npx tsc -p tsconfig.json)`);
  }
  const runs: BaselineRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const [checkout, dir] of [['baseline', baselineDir], ['this', root]] as const) {
      process.stderr.write(`bench:report: e2e of ${checkout === 'this' ? 'this checkout' : baselineDir}, round ${round} ...\n`);
      runs.push({ checkout, round, ...await runE2e(dir, args) });
    }
  }
  return runs;
}

function commitOf(dir: string): string {
  try {
    return execFileSync('git', ['-C', dir, 'log', '-1', '--format=%h of %cs'], { encoding: 'utf8' }).trim();
  } catch {
    return dir;
  }
}

const fmt = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : '–');

function cells(j: Json | null, mode: 'fsync_on' | 'fsync_off'): string[] {
  const m = j?.[mode] as Json | undefined;
  const big = m?.['4x100'] as Json | undefined;
  const one = m?.['1x1'] as Json | undefined;
  return [fmt(big?.['orders_per_s']), `${fmt(big?.['gateway_cpu_us_per_order'])} µs`, `${fmt(one?.['p50_us'])} µs`, `${fmt(one?.['gateway_cpu_us_per_order'])} µs`];
}

/** The report's section: one row per run, in the order they ran, and their raw lines. */
export function baselineSection(root: string, baselineDir: string, runs: BaselineRun[]): string[] {
  const head = ['run', '4×100 orders/s', '4×100 CPU/order', '1×1 p50', '1×1 CPU/order'];
  const rows = runs.map((r) => `| ${r.checkout === 'this' ? 'this checkout' : 'earlier checkout'}, round ${r.round} | ${r.json === null ? 'failed | | |' : cells(r.json, 'fsync_on').join(' | ')} | ${r.json === null ? '' : cells(r.json, 'fsync_off').join(' | ')} |`);
  return ['## End to end against an earlier commit', '',
    `This checkout (${commitOf(root)}) and an earlier one (${commitOf(baselineDir)}), each running its own end-to-end`,
    'benchmark, alternately in this sitting. Each uses its own load generator and shipped settings; the gateway\'s CPU per',
    'order is the figure to compare first. Left half with the journal\'s fsync on, right half off.', '',
    `| ${head.join(' | ')} | ${head.slice(1).join(' | ')} |`, `|${[...head, ...head.slice(1)].map(() => '---').join('|')}|`, ...rows, '',
    '```json', ...runs.map((r) => r.line || `{"bench":"e2e","checkout":"${r.checkout}","failed":true}`), '```', ''];
}
