// One TCP connection of the acceptance-test runner (the initiator side): reads FIX messages the way QuickFIX's
// FixParser does (up to 9=, then BodyLength bytes, then the checksum field), waits for the peer to hang up, and
// never waits past a deadline. A test failure is a DefFailure with the reason for the report.
import net from 'node:net';
import { SOH, clip, show } from './def-text.js';

export class DefFailure extends Error {}

export type Trace = (text: string) => void;

export class DefConnection {
  buf: Buffer = Buffer.alloc(0);
  /** The peer closed (FIN) or reset the connection. */
  eof = false;
  #closed = false;
  #waiter: (() => void) | null = null;
  #sock: net.Socket | null = null;

  constructor(readonly cid: number, readonly host: string, readonly port: number, readonly trace: Trace) {}

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }

  connect(deadlineMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = net.createConnection({ host: this.host, port: this.port, allowHalfOpen: true });
      this.#sock = sock;
      sock.setNoDelay(true);
      let settled = false;
      const settle = (err?: DefFailure): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err); else resolve();
      };
      const timer = setTimeout(() => { sock.destroy(); settle(new DefFailure(`connect to ${this.host}:${this.port} timed out`)); },
        Math.max(1, deadlineMs - Date.now()));
      sock.on('connect', () => { this.trace(`c${this.cid} connected (local port ${sock.localPort})`); settle(); });
      sock.on('data', (d: Buffer) => { this.buf = this.buf.length > 0 ? Buffer.concat([this.buf, d]) : d; this.#wake(); });
      sock.on('end', () => { this.eof = true; this.trace(`c${this.cid} peer closed (FIN)`); this.#wake(); });
      sock.on('error', (e: NodeJS.ErrnoException) => {
        this.trace(`c${this.cid} socket error ${e.code ?? e.message}`);
        this.eof = true;
        settle(new DefFailure(`failed to connect to ${this.host}:${this.port}: ${e.code ?? e.message}`));
        this.#wake();
      });
      sock.on('close', () => { this.#closed = true; this.eof = true; this.#wake(); });
    });
  }

  /** Like Ruby's IO#write into the kernel buffer: a write to a peer that already hung up surfaces on the next read. */
  write(message: string): void {
    this.trace(`c${this.cid} >> ${show(message)}`);
    const sock = this.#sock;
    if (sock !== null && !sock.destroyed && sock.writable) sock.write(Buffer.from(message, 'latin1'));
  }

  /** Waits until cond() holds, or EOF; false at the deadline. */
  async waitUntil(cond: () => boolean, deadlineMs: number): Promise<boolean> {
    while (!cond()) {
      if (this.eof) return cond();
      const ms = deadlineMs - Date.now();
      if (ms <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { this.#waiter = null; resolve(); }, ms);
        this.#waiter = () => { clearTimeout(timer); resolve(); };
      });
    }
    return true;
  }

  pending(): string { return this.buf.toString('latin1'); }

  /** FixParser#readFixMessage: through "<SOH>9=", the length digits, BodyLength bytes, then up to the next SOH. */
  async readMessage(deadlineMs: number, timeoutMs: number): Promise<string> {
    const marker = `${SOH}9=`;
    const fail = (): DefFailure => this.#readFailure(timeoutMs);
    if (!(await this.waitUntil(() => this.buf.indexOf(marker, 0, 'latin1') >= 0, deadlineMs))) throw fail();
    const lengthAt = this.buf.indexOf(marker, 0, 'latin1') + marker.length;
    if (!(await this.waitUntil(() => this.buf.indexOf(1, lengthAt) >= 0, deadlineMs))) throw fail();
    let text = this.pending();
    const lengthEnd = text.indexOf(SOH, lengthAt);
    const lengthText = text.slice(lengthAt, lengthEnd);
    if (!/^\d+$/.test(lengthText)) {
      throw new DefFailure(`received message has a non-numeric BodyLength (${show(lengthText)}): ${clip(text.slice(0, lengthEnd + 1))}`);
    }
    const bodyEnd = lengthEnd + 1 + Number(lengthText);
    if (!(await this.waitUntil(() => this.buf.length >= bodyEnd && this.buf.indexOf(1, bodyEnd) >= 0, deadlineMs))) throw fail();
    text = this.pending();
    const end = text.indexOf(SOH, bodyEnd) + 1;
    const message = text.slice(0, end);
    this.buf = this.buf.subarray(end);
    this.trace(`c${this.cid} << ${show(message)}`);
    return message;
  }

  #readFailure(timeoutMs: number): DefFailure {
    if (this.eof) {
      return new DefFailure(this.buf.length > 0 ? `Was disconnected in the middle of a message (got ${clip(this.pending())})` : 'Was disconnected, expected data');
    }
    return new DefFailure(`timed out after ${timeoutMs} ms waiting for a message${this.buf.length > 0 ? ` (partial data: ${clip(this.pending())})` : ''}`);
  }

  /** ReflectorClient#waitDisconnectAction: the next thing on the stream must be its end (a reset counts too). */
  async waitDisconnect(deadlineMs: number, timeoutMs: number): Promise<void> {
    const ended = await this.waitUntil(() => this.buf.length > 0 || this.eof, deadlineMs);
    if (this.buf.length > 0) throw new DefFailure('Expected disconnection, got data');
    if (!ended) throw new DefFailure(`Connection hangs after ${timeoutMs / 1000} seconds`);
  }

  /** iDISCONNECT or the end of a file: flush what was written, then close. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      const sock = this.#sock;
      if (sock === null || this.#closed || sock.destroyed) { resolve(); return; }
      const timer = setTimeout(() => sock.destroy(), 1000);
      sock.once('close', () => { clearTimeout(timer); resolve(); });
      if (sock.writable && sock.writableLength > 0) sock.end(() => sock.destroy());
      else sock.destroy();
    });
  }
}

/** Runner.rb's createProcess probes the acceptor (connect and close, up to `attempts` tries 1 s apart). */
export async function probe(host: string, port: number, attempts: number, deadlineMs: number, trace: Trace): Promise<boolean> {
  for (let i = 0; i < Math.max(1, attempts); i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createConnection({ host, port });
      const timer = setTimeout(() => { s.destroy(); resolve(false); }, Math.max(1, Math.min(1000, deadlineMs - Date.now())));
      s.once('connect', () => { clearTimeout(timer); s.destroy(); resolve(true); });
      s.once('error', () => { clearTimeout(timer); s.destroy(); resolve(false); });
    });
    if (ok) return true;
    trace(`probe ${i + 1}: ${host}:${port} not accepting connections`);
    if (Date.now() + 1000 >= deadlineMs || i + 1 >= attempts) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}
