// `npm run bench:report`: runs every benchmark once, one after another (each prints one JSON line), and writes
// docs/benchmarks.md from their output: a table per benchmark, the raw JSON lines, and the machine, Node.js version
// and date. The page is never edited by hand; its prose is the fixed text below, its figures come from this run.
//   npm run bench:report [-- --only codec,e2e] [--quick] [--out FILE] [--baseline DIR [--baseline-rounds N]]
// --baseline DIR also runs the e2e benchmark of an earlier, built checkout alternately with this one's (report-baseline.ts).
// --quick runs each benchmark on a small setting: a check that the report works, not figures to publish (the page
// says so). Run the full report on a quiet machine: the benchmarks share it with nothing else.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCHES, type Bench } from './report-tables.js';
import { baselineSection, runBaseline } from './report-baseline.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Run { bench: Bench; json: Record<string, unknown> | null; line: string; error?: string; seconds: number }

function runOne(bench: Bench, quick: boolean): Promise<Run> {
  const started = Date.now();
  const args = [path.join(root, 'dist', 'bench', `${bench.script}.js`), ...(quick ? bench.quickArgs ?? [] : bench.args ?? [])];
  const env = { ...process.env, ...(quick ? bench.quickEnv ?? {} : {}) };
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop() ?? '';
      let json: Record<string, unknown> | null = null;
      try { json = JSON.parse(line) as Record<string, unknown>; } catch { /* reported below */ }
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      const error = json === null ? `${err?.message ?? 'no JSON line'}\n${stderr.slice(-2000)}` : undefined;
      resolve({ bench, json, line, seconds, ...(error !== undefined ? { error } : {}) });
    });
  });
}

function machine(loadStart: number, loadEnd: number): string[] {
  const cpus = os.cpus();
  return [
    `- Date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()} (${os.arch()})`,
    `- Node.js ${process.version}`,
    `- Load average (1 min) before and after: ${loadStart.toFixed(2)}, ${loadEnd.toFixed(2)}`,
  ];
}

function page(runs: Run[], quick: boolean, loadStart: number, extra: string[]): string {
  const out = ['# Benchmarks', '', '<!-- Written by `npm run bench:report` (bench/report.ts). Do not edit: run it again. -->', ''];
  if (quick) {
    out.push('> **Written with `--quick`**: every benchmark ran on a small setting to check this report. These figures measure',
      '> nothing; run `npm run bench:report` on a quiet machine to replace this page.', '');
  }
  out.push('Each figure below comes from one run of the benchmark named, on this machine:', '', ...machine(loadStart, os.loadavg()[0]!), '',
    'Wall-clock rates and latencies are what this machine gave with whatever else ran on it (see the load average; the',
    'end-to-end benchmarks run their load generator on it too). CPU time per command or per order is the figure to compare',
    'between runs and machines.', '');
  for (const r of runs) {
    out.push(`## ${r.bench.title}`, '', ...r.bench.about, '', `Run alone: \`npm run bench:${r.bench.script}\`${r.bench.knobs ? ` (${r.bench.knobs})` : ''}; this run took ${r.seconds} s.`, '');
    if (r.json === null) out.push('**The benchmark failed:**', '', '```', r.error ?? '', '```', '');
    else out.push(...r.bench.table(r.json), '');
  }
  out.push(...extra);
  out.push('## Raw output', '', 'One JSON line per benchmark, as printed:', '', '```json', ...runs.map((r) => r.line || `{"bench":"${r.bench.script}","failed":true}`), '```', '');
  return out.join('\n');
}

const { values } = parseArgs({ options: {
  only: { type: 'string' }, quick: { type: 'boolean', default: false }, out: { type: 'string' },
  baseline: { type: 'string' }, 'baseline-rounds': { type: 'string', default: '2' },
} });
const wanted = values.only?.split(',').map((s) => s.trim()).filter((s) => s !== '');
const unknown = wanted?.filter((w) => !BENCHES.some((b) => b.script === w)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(`bench:report: no benchmark ${unknown.join(', ')} (there are ${BENCHES.map((b) => b.script).join(', ')})\n`);
  process.exit(2);
}
const loadStart = os.loadavg()[0]!;
const runs: Run[] = [];
for (const bench of BENCHES.filter((b) => wanted === undefined || wanted.includes(b.script))) {
  process.stderr.write(`bench:report: ${bench.script}${values.quick ? ' (quick)' : ''} ...\n`);
  runs.push(await runOne(bench, values.quick === true));
}
let extra: string[] = [];
let baselineFailed = false;
if (values.baseline !== undefined) {
  const baselineDir = path.resolve(values.baseline);
  const e2eArgs = values.quick === true ? BENCHES.find((b) => b.script === 'e2e')?.quickArgs ?? [] : [];
  const baseRuns = await runBaseline(root, baselineDir, Number(values['baseline-rounds']), e2eArgs);
  extra = baselineSection(root, baselineDir, baseRuns);
  baselineFailed = baseRuns.some((r) => r.json === null);
}
const outFile = values.out ?? path.join(root, 'docs', 'benchmarks.md');
writeFileSync(outFile, page(runs, values.quick === true, loadStart, extra));
process.stderr.write(`bench:report: wrote ${outFile}\n`);
process.exitCode = runs.some((r) => r.json === null) || baselineFailed ? 1 : 0;
