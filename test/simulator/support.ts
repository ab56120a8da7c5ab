// Test support for the simulator: run `fixgw sim ...` as a child process (asynchronously, so a gateway
// started by the test in this process keeps serving), drive its stdin, and start real servers.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, parseGatewaySettings, type Gateway } from '../../src/gateway/index.js';
import { gatewayCfg } from '../support/served.js';

export const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** simulator/scenarios in the source tree (the example scenario files are not compiled). */
export const exampleScenarios = fileURLToPath(new URL('../../../simulator/scenarios/', import.meta.url));

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Run `fixgw ARGS` to completion; `input` is written to stdin and stdin is closed. */
export function runCli(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawnCli(args);
  child.stdin.end(opts.input ?? '');
  return finished(child, opts.timeoutMs ?? 60_000);
}

export function spawnCli(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [cli, ...args], { env: { ...process.env, NO_COLOR: '1' } });
}

export function finished(child: ChildProcessWithoutNullStreams, timeoutMs: number): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fixgw did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** An interactive `fixgw sim connect` driven line by line through its stdin. */
export class Prompt {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly #exit: Promise<number | null>;

  constructor(args: string[]) {
    // A generous logon timeout: the test machine may be busy.
    this.child = spawnCli(['sim', 'connect', '--timeout', '30', ...args]);
    this.child.stdout.on('data', (d: Buffer) => { this.stdout += d.toString(); });
    this.child.stderr.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.#exit = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  send(line: string): void {
    this.child.stdin.write(line + '\n');
  }

  /** Wait until stdout matches `re` `count` times; returns the matching lines. */
  async waitFor(re: RegExp, count = 1, timeoutMs = 30_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.stdout.split('\n').filter((l) => re.test(l));
      if (lines.length >= count) return lines;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} x${count}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async exit(timeoutMs = 30_000): Promise<number | null> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.#exit;
    clearTimeout(timer);
    return code;
  }
}

const GATEWAY_CFG = gatewayCfg({ MaxMessagesPerSecond: 200_000, CancelOnDisconnect: 'N' });

/** The real gateway on a free loopback port with a temp data directory; close() removes the directory. */
export async function startTestGateway(): Promise<{ gateway: Gateway; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-sim-'));
  const gateway = await startGateway({
    settings: parseGatewaySettings(GATEWAY_CFG),
    fixPort: 0,
    host: '127.0.0.1',
    dataDir,
    fsync: false,
    logoutGraceMs: 1000,
  });
  return {
    gateway,
    close: async () => {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'fixgw-sim-'));
}
