// fixat: plays QuickFIX-style acceptance-test definitions (.def files) against a FIX acceptor that is already
// running, acting as the initiator; one line per file (PASS name / FAIL name: line N: reason), then
// "N passed, M failed". An independent implementation of what QuickFIX's Ruby runner does (Runner.rb,
// Reflector.rb, ReflectorClient.rb, FixParser.rb, Comparator.rb); README.md beside this file has the DSL.
//
//   node dist/test/conformance/fixat.js --port N [--host H] [options] FILE_OR_DIR...
//     --timeout-ms T (15000, per E line)  --disconnect-timeout-ms T (10000)  --file-timeout-ms T (120000)
//     --filter REGEX  --junit out.xml  --patterns fields.fmt  --probe-attempts N (29)  --gap-ms T (0)  --verbose
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Comparator, clip, fileify, fixify, show, timeify } from './def-text.js';
import { DefConnection, DefFailure, probe, type Trace } from './def-connection.js';

export interface FixatOptions {
  host: string;
  port: number;
  timeoutMs: number;
  disconnectMs: number;
  fileTimeoutMs: number;
  probeAttempts: number;
  gapMs: number;
  verbose: boolean;
}

export interface FileResult { file: string; name: string; ok: boolean; msg?: string; ms: number }

export const FIXAT_DEFAULTS: Omit<FixatOptions, 'port'> = {
  host: '127.0.0.1', timeoutMs: 15_000, disconnectMs: 10_000, fileTimeoutMs: 120_000, probeAttempts: 29, gapMs: 0, verbose: false,
};

/** Directories expand to their *.def files in byte order (a shell glob under LC_ALL=C); files stay in the order given. */
export function expandInputs(inputs: string[]): string[] {
  const out: string[] = [];
  for (const p of inputs) {
    let isDir: boolean;
    try { isDir = statSync(p).isDirectory(); } catch { throw new Error(`no such file or directory: ${p}`); }
    if (!isDir) { out.push(p); continue; }
    const names = readdirSync(p).filter((n) => n.endsWith('.def')).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const n of names) out.push(path.join(p, n));
  }
  return out;
}

/** Plays the files one after another (they share one session) and reports each; resolves to every result. */
export async function runDefFiles(files: string[], o: FixatOptions, comparator = new Comparator(),
  report: (r: FileResult) => void = () => {}): Promise<FileResult[]> {
  const results: FileResult[] = [];
  const state = { acceptorDown: false };
  for (const file of files) {
    let r: Omit<FileResult, 'file' | 'name'>;
    try {
      r = await new DefRun(file, o, comparator, state).run();
    } catch (err) {
      r = { ok: false, msg: `internal error: ${(err as Error).stack ?? String(err)}`, ms: 0 };
    }
    const result = { file, name: path.basename(file).replace(/\.def$/, ''), ...r };
    results.push(result);
    report(result);
    if (o.gapMs > 0) await new Promise((resolve) => setTimeout(resolve, o.gapMs));
  }
  return results;
}

/** One .def file: its connections and the line being run. */
class DefRun {
  readonly #conns = new Map<number, DefConnection>();
  readonly #trace: Trace;
  readonly #lines: string[];
  #deadlineMs = 0;

  constructor(readonly file: string, readonly o: FixatOptions, readonly comparator: Comparator, readonly state: { acceptorDown: boolean }) {
    this.#trace = o.verbose ? (m) => process.stderr.write(`[${new Date().toISOString()}] ${path.basename(file)}: ${m}\n`) : () => {};
    this.#lines = readFileSync(file).toString('latin1').split('\n');
  }

  async run(): Promise<Omit<FileResult, 'file' | 'name'>> {
    const started = Date.now();
    if (!this.#lines.some((l) => /^i\d*,?CONNECT/.test(l))) {
      const client = this.#lines.some((l) => /^e\d*,?CONNECT/.test(l));
      return { ok: false, ms: 0, msg: client ? 'client-side definition (eCONNECT): needs the runner to act as acceptor; not supported'
        : 'Test definition did not contain iCONNECT or eCONNECT' };
    }
    this.#deadlineMs = started + this.o.fileTimeoutMs;
    // Once a whole probe round has failed, later files probe once, so a dead acceptor fails them quickly.
    if (!(await probe(this.o.host, this.o.port, this.state.acceptorDown ? 1 : this.o.probeAttempts, this.#deadlineMs, this.#trace))) {
      this.state.acceptorDown = true;
      return { ok: false, msg: `acceptor ${this.o.host}:${this.o.port} not accepting connections`, ms: Date.now() - started };
    }
    this.state.acceptorDown = false;
    const result = await this.#execute();
    await Promise.all([...this.#conns.values()].map((c) => c.close()));
    return { ...result, ms: Date.now() - started };
  }

  async #execute(): Promise<{ ok: boolean; msg?: string }> {
    let lineNo = 0;
    let current = '';
    let timer: NodeJS.Timeout | undefined;
    const hardStop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DefFailure(`file timeout after ${this.o.fileTimeoutMs} ms`)), this.o.fileTimeoutMs + 2000);
    });
    const steps = async (): Promise<void> => {
      for (const raw of this.#lines) {
        lineNo++;
        current = raw.replace(/\r$/, '');
        if (current === '' || current[0] === '#') continue;
        if (this.#fileTimedOut()) throw new DefFailure(`file timeout after ${this.o.fileTimeoutMs} ms`);
        await this.#step(current);
      }
    };
    try {
      await Promise.race([steps(), hardStop]);
      return { ok: true };
    } catch (err) {
      if (!(err instanceof DefFailure)) return { ok: false, msg: `line ${lineNo}: internal error: ${(err as Error).stack ?? String(err)}` };
      // E and eDISCONNECT failures already say "expected ... got ..."; others get the line itself.
      return { ok: false, msg: `line ${lineNo}${/^[Ee]/.test(current) ? '' : ` [${show(current)}]`}: ${err.message}` };
    } finally {
      clearTimeout(timer);
    }
  }

  #fileTimedOut(): boolean { return Date.now() >= this.#deadlineMs; }
  #stepDeadline(ms: number): number { return Math.min(Date.now() + ms, this.#deadlineMs); }

  async #step(line: string): Promise<void> {
    const withId = /^[IEie]\d,/.test(line);
    const cid = withId ? line.charCodeAt(1) - 48 : 1;
    const kind = line[0];
    let body = withId ? line.slice(3) : line.slice(1);
    if (kind === 'I' || kind === 'E') body = fixify(fileify(timeify(body)));
    if (kind === 'I') this.#send(cid, body);
    else if (kind === 'E') await this.#expect(cid, body);
    else if (kind === 'i' && body === 'CONNECT') await this.#connect(cid);
    else if (kind === 'i' && body === 'DISCONNECT') await this.#disconnect(cid);
    else if (kind === 'e' && body === 'CONNECT') return; // the acceptor's side of a client test: nothing to do here
    else if (kind === 'e' && body === 'DISCONNECT') await this.#expectDisconnect(cid);
    else throw new DefFailure(`Syntax error: ${body}`);
  }

  #send(cid: number, body: string): void {
    const conn = this.#conns.get(cid);
    if (conn === undefined) throw new DefFailure('Unable to send message because connection was dropped');
    conn.write(body);
  }

  async #expect(cid: number, expected: string): Promise<void> {
    const conn = this.#conns.get(cid);
    if (conn === undefined) throw new DefFailure(`no connection ${cid} to read the expected message from: expected ${show(expected)}`);
    let got: string;
    try {
      got = await conn.readMessage(this.#stepDeadline(this.o.timeoutMs), this.o.timeoutMs);
    } catch (err) {
      if (!(err instanceof DefFailure)) throw err;
      const why = this.#fileTimedOut() ? `file timeout after ${this.o.fileTimeoutMs} ms` : err.message;
      throw new DefFailure(`${why}: expected ${show(expected)} got nothing`);
    }
    const problem = this.comparator.compare(expected, got);
    if (problem !== null) throw new DefFailure(`${problem}: expected ${show(expected)} got ${show(got)}`);
  }

  async #connect(cid: number): Promise<void> {
    await this.#conns.get(cid)?.close();
    const conn = new DefConnection(cid, this.o.host, this.o.port, this.#trace);
    this.#conns.set(cid, conn);
    try {
      await conn.connect(this.#stepDeadline(this.o.timeoutMs));
    } catch (err) {
      this.#conns.delete(cid);
      throw err;
    }
  }

  async #disconnect(cid: number): Promise<void> {
    const conn = this.#conns.get(cid);
    if (conn === undefined) throw new DefFailure(`iDISCONNECT on connection ${cid} which is not open`);
    await conn.close();
    this.#conns.delete(cid);
  }

  async #expectDisconnect(cid: number): Promise<void> {
    const conn = this.#conns.get(cid);
    if (conn === undefined) throw new DefFailure(`eDISCONNECT on connection ${cid} which is not open`);
    try {
      await conn.waitDisconnect(this.#stepDeadline(this.o.disconnectMs), this.o.disconnectMs);
    } catch (err) {
      if (!(err instanceof DefFailure)) throw err;
      if (this.#fileTimedOut() && conn.buf.length === 0) throw new DefFailure(`file timeout after ${this.o.fileTimeoutMs} ms: expected disconnect got nothing`);
      throw new DefFailure(`${err.message}: expected disconnect got ${conn.pending() !== '' ? clip(conn.pending()) : '<nothing>'}`);
    }
  }
}

const xmlEscape = (s: string): string => s
  .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, (c) => (c === '\x01' ? '|' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))
  .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A JUnit XML report (one testcase per file) for CI systems that show them. */
export function writeJunit(file: string, results: FileResult[], totalMs: number): void {
  const failures = results.filter((r) => !r.ok).length;
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${results.length}" failures="${failures}" time="${seconds(totalMs)}">`,
    `<testsuite name="fixat" tests="${results.length}" failures="${failures}" errors="0" time="${seconds(totalMs)}">`,
  ];
  for (const r of results) {
    const head = `  <testcase classname="${xmlEscape(path.basename(path.dirname(r.file)) || 'fixat')}" name="${xmlEscape(r.name)}" time="${seconds(r.ms)}"`;
    if (r.ok) out.push(`${head}/>`);
    else out.push(`${head}>`, `    <failure message="${xmlEscape(r.msg ?? '')}">${xmlEscape(r.msg ?? '')}</failure>`, '  </testcase>');
  }
  out.push('</testsuite>', '</testsuites>', '');
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, out.join('\n'));
}

function usage(message?: string): never {
  if (message !== undefined) process.stderr.write(`fixat: ${message}\n`);
  process.stderr.write('usage: fixat --port N [--host H] [--timeout-ms T] [--disconnect-timeout-ms T] [--file-timeout-ms T] [--filter REGEX] ' +
    '[--junit out.xml] [--patterns fields.fmt] [--probe-attempts N] [--gap-ms T] [--verbose] FILE_OR_DIR...\n');
  process.exit(2);
}

function numberOption(name: string, text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (text === '' || !Number.isFinite(n) || n < 0) usage(`${name} needs a non-negative number`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: {
      host: { type: 'string' }, port: { type: 'string' }, 'timeout-ms': { type: 'string' }, 'disconnect-timeout-ms': { type: 'string' },
      'file-timeout-ms': { type: 'string' }, filter: { type: 'string' }, junit: { type: 'string' }, patterns: { type: 'string' },
      'probe-attempts': { type: 'string' }, 'gap-ms': { type: 'string' }, verbose: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' },
    } });
  } catch (err) {
    usage((err as Error).message);
  }
  const v = parsed.values;
  if (v.help === true) usage();
  const port = numberOption('--port', v.port, NaN);
  if (!Number.isInteger(port) || port < 1 || port > 65535) usage('--port N is required');
  if (parsed.positionals.length === 0) usage('no FILE_OR_DIR given');
  const o: FixatOptions = {
    host: v.host ?? FIXAT_DEFAULTS.host, port, verbose: v.verbose === true,
    timeoutMs: numberOption('--timeout-ms', v['timeout-ms'], FIXAT_DEFAULTS.timeoutMs),
    disconnectMs: numberOption('--disconnect-timeout-ms', v['disconnect-timeout-ms'], FIXAT_DEFAULTS.disconnectMs),
    fileTimeoutMs: numberOption('--file-timeout-ms', v['file-timeout-ms'], FIXAT_DEFAULTS.fileTimeoutMs),
    probeAttempts: numberOption('--probe-attempts', v['probe-attempts'], FIXAT_DEFAULTS.probeAttempts),
    gapMs: numberOption('--gap-ms', v['gap-ms'], FIXAT_DEFAULTS.gapMs),
  };
  let filter: RegExp | undefined;
  try { filter = v.filter === undefined ? undefined : new RegExp(v.filter); } catch (err) { usage(`bad --filter: ${(err as Error).message}`); }
  let files: string[];
  try { files = expandInputs(parsed.positionals); } catch (err) { usage((err as Error).message); }
  if (filter !== undefined) files = files.filter((f) => filter.test(path.basename(f)) || filter.test(f));
  const comparator = new Comparator(v.patterns === undefined ? undefined : readFileSync(v.patterns, 'latin1'));
  const t0 = Date.now();
  const results = await runDefFiles(files, o, comparator, (r) => process.stdout.write(r.ok ? `PASS ${r.name}\n` : `FAIL ${r.name}: ${show(r.msg)}\n`));
  const passed = results.filter((r) => r.ok).length;
  if (v.junit !== undefined) writeJunit(v.junit, results, Date.now() - t0);
  process.stdout.write(`${passed} passed, ${results.length - passed} failed\n`);
  process.exitCode = passed === results.length ? 0 : 1;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.on('SIGINT', () => { process.stdout.write('interrupted\n'); process.exit(130); });
  main(process.argv.slice(2)).catch((err: unknown) => { process.stderr.write(`fixat: ${(err as Error).stack ?? String(err)}\n`); process.exit(2); });
}
