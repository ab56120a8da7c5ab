// Running a built gateway from outside, as tests and benches do: `fixgw serve` as a child process (temp data dir,
// loopback, ports read back from the "fixgw serving" line), the gateway .cfg they run it with, and its RSS from /proc.
// Shared by test/ and bench/ (neither imports the other).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testEngineConfigPath } from './engine-config.js';

/** Polls `predicate` every 5 ms until it holds; throws after `timeoutMs`. */
async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** Node flags the gateway is run with, as `npm start` and the Docker image run it (README, "Running the gateway"). */
export const SERVE_NODE_FLAGS = ['--no-maglev'];

/**
 * A gateway .cfg: an acceptor for any client CompID (TargetCompID=*) on loopback, HTTP on any port, journal fsync on,
 * no start-up warm-up (tests start many gateways), the tests' engine config (no price bands: harness/engine-config.ts),
 * with `settings` added to or replacing keys of [DEFAULT]
 * (insertion order kept: JournalFsync is on line 9); a key set to undefined is left out (its default applies).
 */
export function gatewayCfg(settings: Record<string, string | number | undefined> = {}): string {
  const keys: Record<string, string | number | undefined> = {
    ConnectionType: 'acceptor', BeginString: 'FIX.4.4', SenderCompID: 'FIXGW', SocketAcceptPort: 9876, SocketAcceptHost: '127.0.0.1',
    HttpHost: '127.0.0.1', HttpPort: 0, JournalFsync: 'Y', WarmUpOrders: 0, EngineConfig: testEngineConfigPath(), ...settings,
  };
  return `[DEFAULT]\n${Object.entries(keys).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}\n`).join('')}[SESSION]\nTargetCompID=*\n`;
}

/** The reliability tests' gateway: fsync on, throttle high enough for the fuzzers. */
export const SERVE_CFG = gatewayCfg({ MaxMessagesPerSecond: 100_000 });

export interface Served {
  proc: ChildProcess;
  pid: number;
  fixPort: number;
  httpPort: number;
  exited: Promise<number | null>;
  output: () => string;
}

export interface ServeOptions {
  /** The .cfg text (default SERVE_CFG). */
  cfg?: string;
  env?: NodeJS.ProcessEnv;
  /** More `fixgw serve` arguments, e.g. ['--no-fsync']. */
  args?: string[];
  timeoutMs?: number;
  /** Runs it under `ulimit -n`. */
  fileDescriptorsMax?: number;
  /** Runs it with files limited to this many bytes (prlimit --fsize, the soft limit: the hard one stays unlimited, so
   *  `prlimit --pid` may raise it again, as when space comes back) and SIGXFSZ ignored: a write past the limit fails
   *  with EFBIG, as on a full disk, instead of killing the process. */
  fileBytesMax?: number;
}

/** Starts `fixgw serve` on `fixPort` (0 = any) with its .cfg written into `dir`, data in `dir`/data; resolves once it serves. */
export async function serve(dir: string, fixPort: number, opts: ServeOptions = {}): Promise<Served> {
  const cfg = path.join(dir, 'gateway.cfg');
  writeFileSync(cfg, opts.cfg ?? SERVE_CFG);
  const args = [...SERVE_NODE_FLAGS, CLI, 'serve', '--config', cfg, '--fix-port', String(fixPort), '--data-dir', path.join(dir, 'data'), ...(opts.args ?? [])];
  const options = { stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } };
  // With limits: `sh -c 'ulimit -n N && exec node ...'` (exec keeps the pid the gateway's); an ignored signal stays
  // ignored across exec, so `trap '' XFSZ` holds for the gateway under prlimit.
  const limits = [
    ...(opts.fileDescriptorsMax !== undefined ? [`ulimit -n ${opts.fileDescriptorsMax}`] : []),
    ...(opts.fileBytesMax !== undefined ? ["trap '' XFSZ"] : []),
  ];
  const prlimit = opts.fileBytesMax !== undefined ? `prlimit --fsize=${opts.fileBytesMax}:unlimited ` : '';
  const proc = limits.length === 0 && prlimit === ''
    ? spawn(process.execPath, args, options)
    : spawn('/bin/sh', ['-c', `${[...limits, `exec ${prlimit}"$0" "$@"`].join(' && ')}`, process.execPath, ...args], options);
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 4_000_000) out = out.slice(-2_000_000); // bounded: long fuzz runs log a lot
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => { gone = true; });
  await waitFor('fixgw serving', () => {
    if (gone) throw new Error(`fixgw serve exited before serving:\n${out}`);
    return out.includes('"fixgw serving"');
  }, opts.timeoutMs ?? 30_000);
  const line = out.split('\n').find((l) => l.includes('"fixgw serving"'))!;
  const ports = JSON.parse(line) as { fixPort: number; httpPort: number };
  return { proc, pid: proc.pid!, fixPort: ports.fixPort, httpPort: ports.httpPort, exited, output: () => out };
}

export async function kill(s: Served, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  s.proc.kill(signal);
  return s.exited;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  if (m === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}
