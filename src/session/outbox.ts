// A session's way out to its socket: ordered, bounded writes, lazy resends, and the rule that nothing stored but
// not yet durable reaches the socket. The session puts every outbound message here after storing it; the outbox
// makes the store durable in front of each socket write (a synchronous flush for a file store; for a store whose
// durability comes later, e.g. replicated, a gate that holds every later byte until the store says it is durable).
// A hold (SendBatch, or the session itself around an answer) keeps the bytes until release, so a burst leaves in
// one write and a batch across sessions can wait for every store of the batch before any socket gets a byte.
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { MessageStore } from './store.js';
import type { MessageLog } from './message-log.js';
import { resendTurns, type ResendTurns } from './resend-turns.js';

export type Outgoing = Buffer | Iterator<Buffer>;

/** Bytes behind a gate wait until it opens (the store behind them is durable). */
class Gate {
  open = false;
  failed = false;
  readonly opened: Promise<void>;
  #resolve!: () => void;
  constructor() {
    this.opened = new Promise((resolve) => { this.#resolve = resolve; });
  }
  /** Opens once `durable` resolves; `onFailure` when it rejects (the gate then stays shut). */
  follow(durable: Promise<void> | undefined, onOpen: () => void, onFailure: (err: Error) => void): void {
    if (durable === undefined) {
      this.#openNow(onOpen);
      return;
    }
    durable.then(() => this.#openNow(onOpen), (err: unknown) => {
      this.failed = true;
      onFailure(err instanceof Error ? err : new Error(String(err)));
    });
  }
  #openNow(onOpen: () => void): void {
    this.open = true;
    this.#resolve();
    onOpen();
  }
}

export interface OutboxOptions {
  store: MessageStore;
  log: MessageLog;
  now: () => number;
  /** Bytes we let pile up for a peer that does not read before giving up on it. */
  maxBufferedBytes: number;
  /** The store could not write (or make durable) what was saved, or read what a resend needs: the session disconnects. */
  onStoreFailure: (err: Error) => void;
  onSlowConsumer: (bytes: number) => void;
  /** Where resends get their turns (default: the process's one). */
  turns?: ResendTurns;
}

/** Socket buffer level below which the pump pulls more stored messages for a resend. */
const PUMP_LOW_WATER_BYTES = 256 * 1024;
/** Messages written while held are copied into one slab and leave as one chunk on release (no stream bookkeeping
 *  per message); a message larger than this / 4 is queued on its own. */
const SLAB_BYTES = 32 * 1024;
/** How long an ended socket may take to hand over what it has before it is destroyed. */
const END_GRACE_MS = 2000;

export class Outbox {
  readonly #o: OutboxOptions;
  readonly #turns: ResendTurns;
  /** The store's durability is asynchronous: every write waits behind a gate on it. */
  readonly #gated: boolean;
  #socket: Socket | null = null;
  /** hold() calls not yet matched by release(). */
  #holds = 0;
  /** Opened when the outermost hold is released (set when the hold began behind queued items, or for a gated store). */
  #holdGate: Gate | null = null;
  /** Bytes written while held: [#slabStart, #slabEnd) of #slab, after everything in #queue (a full slab, or the slab
   *  on release, moves to the queue's end; nothing goes to the socket but through the queue). Parts of a slab that
   *  moved on are never written again (the socket may still hold them); a full slab is replaced. */
  #slab: Buffer | null = null;
  #slabStart = 0;
  #slabEnd = 0;
  #queue: Array<Outgoing | Gate> = [];
  #queuedBytes = 0;
  #waitingDrain = false;
  #closeTimer: NodeJS.Timeout | null = null;

  constructor(o: OutboxOptions) {
    this.#o = o;
    this.#turns = o.turns ?? resendTurns;
    this.#gated = typeof o.store.whenDurable === 'function';
  }

  /** Bytes written and not yet taken by the peer: in the socket's buffer, queued and held in front of it. */
  get bufferedBytes(): number {
    const socket = this.#socket;
    return socket === null ? 0 : socket.writableLength + this.#queuedBytes + this.#slabEnd - this.#slabStart;
  }

  attach(socket: Socket): void {
    this.#socket = socket;
    this.#reset();
  }

  /** Ends the connection: what is stored goes out first (for a gated store once durable), then the socket ends.
   *  Returns false when the store could not write (the socket is destroyed, unsent output dropped). */
  end(): boolean {
    const socket = this.#socket;
    if (socket === null) return true;
    this.#socket = null;
    let stored = true;
    try {
      this.#o.store.flush();
    } catch {
      stored = false;
    }
    if (!stored) {
      socket.destroy();
    } else if (this.#queue.some((item) => item instanceof Gate && !item.open)) {
      this.#slabToQueue();
      void this.#writeBehindGatesThenEnd(socket, this.#queue);
    } else {
      // what is queued is dropped (stored: resent after the next Logon); the slab only when nothing is queued before it
      if (this.#queue.length === 0) this.#handOverSlab(socket);
      socket.end();
    }
    this.#reset();
    this.#closeTimer = setTimeout(() => socket.destroy(), END_GRACE_MS);
    this.#closeTimer.unref();
    return stored;
  }

  /** Ends the connection without the store: what is queued is dropped (what of it was stored is resent after the
   *  next Logon), `last` (a Logout that needs nothing of the store) is written, then the socket ends. For a store that
   *  fails, and a refused Logon. */
  abort(last?: Buffer): void {
    const socket = this.#socket;
    if (socket === null) return;
    this.#socket = null;
    this.#reset();
    if (last === undefined) {
      socket.destroy();
      return;
    }
    this.#o.log.message('OUT', last, this.#o.now());
    socket.end(last);
    this.#closeTimer = setTimeout(() => socket.destroy(), END_GRACE_MS);
    this.#closeTimer.unref();
  }

  dispose(): void {
    if (this.#closeTimer) clearTimeout(this.#closeTimer);
  }

  /** Hold writes until release(): they leave together (SendBatch; the session around an answer). */
  hold(): void {
    if (this.#socket === null) return;
    if (this.#holds++ === 0 && (this.#gated || this.#queue.length > 0)) {
      this.#holdGate = new Gate();
      this.#queue.push(this.#holdGate);
    }
  }

  /** Writes the store's batch; returns what the held bytes must wait for (undefined: nothing, they are durable).
   *  Throws when the store cannot write. */
  flushStore(): Promise<void> | undefined {
    this.#o.store.flush();
    return this.#o.store.whenDurable?.();
  }

  /** The outermost release lets the held bytes go, once `durable` resolves (undefined: now). The store must have been
   *  flushed (flushStore) when `durable` is given; without it the release flushes the store itself. */
  release(durable?: Promise<void>): void {
    const socket = this.#socket;
    if (socket === null || this.#holds === 0 || --this.#holds > 0) return;
    if (durable === undefined) {
      if (!this.#flushOrFail()) return;
      if (this.#gated) durable = this.#o.store.whenDurable!();
    }
    this.#slabToQueue();
    const gate = this.#holdGate ?? (durable !== undefined ? this.#gateInFront() : null);
    this.#holdGate = null;
    if (gate === null) {
      this.#pumpCorked(socket);
      return;
    }
    gate.follow(durable, () => this.#pumpCorked(socket), (err) => this.#failed(socket, err));
  }

  /** What is written from now on waits `ms` first, behind what is queued (a throttled resend). */
  delay(ms: number): void {
    const socket = this.#socket;
    if (socket === null) return;
    this.#slabToQueue();
    const gate = new Gate();
    this.#queue.push(gate);
    setTimeout(() => gate.follow(undefined, () => this.#pumpCorked(socket), () => undefined), ms).unref();
  }

  /** Queue one message (or a lazy resend) for the socket; `plain`: see MessageLog.message. */
  write(item: Outgoing, plain = false): void {
    const socket = this.#socket;
    if (socket === null) return;
    if (!Buffer.isBuffer(item)) {
      this.#gateOnStore(socket);
      this.#slabToQueue();
      this.#queue.push(item);
      this.#pump();
      return;
    }
    this.#o.log.message('OUT', item, this.#o.now(), plain);
    if (this.#gated) this.#gateOnStore(socket);
    if (this.#holds === 0 && this.#queue.length === 0) {
      if (!this.#flushOrFail()) return;
      socket.write(item);
      if (socket.writableLength > this.#o.maxBufferedBytes) this.#o.onSlowConsumer(socket.writableLength);
      return;
    }
    if (this.#holds > 0 && !this.#gated && item.length <= SLAB_BYTES / 4) {
      this.#copyToSlab(item);
      const buffered = socket.writableLength + this.#queuedBytes + this.#slabEnd - this.#slabStart;
      if (buffered > this.#o.maxBufferedBytes) this.#o.onSlowConsumer(buffered);
      return;
    }
    this.#slabToQueue();
    this.#queuedBytes += item.length;
    this.#queue.push(item);
    const buffered = this.#queuedBytes + socket.writableLength;
    if (buffered > this.#o.maxBufferedBytes) this.#o.onSlowConsumer(buffered);
  }

  // ---- internals ---------------------------------------------------------------------------------

  #reset(): void {
    this.#holds = 0;
    this.#holdGate = null;
    this.#slabStart = this.#slabEnd;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#waitingDrain = false;
  }

  /** A gated store with writes not yet durable: everything queued from here waits for them (outside a hold; a
   *  hold's gate covers what is written while it lasts). */
  #gateOnStore(socket: Socket): void {
    if (!this.#gated || this.#holds > 0) return;
    const durable = this.#o.store.whenDurable!();
    if (durable === undefined) return;
    const gate = new Gate();
    this.#queue.push(gate);
    gate.follow(durable, () => this.#pumpCorked(socket), (err) => this.#failed(socket, err));
  }

  /** A gate in front of everything queued (a hold that began with nothing queued: all of it is the hold's). */
  #gateInFront(): Gate {
    const gate = new Gate();
    this.#queue.unshift(gate);
    return gate;
  }

  /** The slab's bytes go to the end of the queue. */
  #slabToQueue(): void {
    const piece = this.#slabPiece();
    if (piece === null) return;
    this.#queue.push(piece);
    this.#queuedBytes += piece.length;
  }

  #slabPiece(): Buffer | null {
    if (this.#slabEnd === this.#slabStart) return null;
    const piece = this.#slab!.subarray(this.#slabStart, this.#slabEnd);
    this.#slabStart = this.#slabEnd;
    return piece;
  }

  #copyToSlab(item: Buffer): void {
    let slab = this.#slab;
    if (slab === null || this.#slabEnd + item.length > slab.length) {
      this.#slabToQueue();
      this.#slab = slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.#slabStart = this.#slabEnd = 0;
    }
    item.copy(slab, this.#slabEnd);
    this.#slabEnd += item.length;
  }

  /** What was copied while held goes to the socket as one chunk (only with nothing queued in front of it). */
  #handOverSlab(socket: Socket): void {
    const piece = this.#slabPiece();
    if (piece !== null) socket.write(piece);
  }

  #pumpCorked(socket: Socket): void {
    if (this.#socket !== socket) return;
    socket.cork();
    this.#pump();
    socket.uncork();
  }

  #pump(): void {
    const socket = this.#socket;
    if (this.#holds > 0) return; // written on release
    while (socket !== null && this.#socket === socket && this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (head instanceof Gate) {
        if (!head.open) return; // its opening pumps again
        this.#queue.shift();
        continue;
      }
      if (socket.writableLength >= PUMP_LOW_WATER_BYTES) {
        this.#waitForDrain(socket);
        return;
      }
      if (!Buffer.isBuffer(head)) {
        this.#turns.want(this.#resendTurn); // a resend is background work: a few messages per event-loop turn
        return;
      }
      if (!this.#flushOrFail()) return;
      this.#queue.shift();
      this.#queuedBytes -= head.length;
      socket.write(head);
    }
  }

  /** The resend at the head of the queue gets a turn (resend-turns.ts): up to `messagesMax` of its messages go to
   *  the socket, within the turn's time and below the socket buffer level; then, once it is done, what waited
   *  behind it. True: it wants another turn. */
  readonly #resendTurn = (messagesMax: number, untilMs: number): boolean => {
    const socket = this.#socket;
    const head = this.#queue[0];
    if (socket === null || this.#holds > 0 || head === undefined) return false; // a release pumps again
    if (head instanceof Gate || Buffer.isBuffer(head)) {
      this.#pumpCorked(socket);
      return false;
    }
    socket.cork();
    try {
      for (let n = 1; n <= messagesMax; n++) {
        if (socket.writableLength >= PUMP_LOW_WATER_BYTES) return this.#waitForDrain(socket);
        const step = head.next();
        if (this.#socket !== socket) return false; // the resend failed and the session disconnected
        if (step.done) {
          this.#queue.shift();
          this.#pump();
          return false;
        }
        this.#o.log.message('OUT', step.value, this.#o.now());
        socket.write(step.value);
        if ((n & 7) === 0 && performance.now() >= untilMs) break;
      }
      return true;
    } catch (err) {
      this.#o.onStoreFailure(err instanceof Error ? err : new Error(String(err)));
      return false;
    } finally {
      socket.uncork();
    }
  };

  /** The socket holds enough: the pump goes on at 'drain'. */
  #waitForDrain(socket: Socket): false {
    if (!this.#waitingDrain) {
      this.#waitingDrain = true;
      socket.once('drain', () => { this.#waitingDrain = false; this.#pump(); });
    }
    return false;
  }

  /** Make what was stored so far written before a socket write; on failure the owner disconnects. */
  #flushOrFail(): boolean {
    try {
      this.#o.store.flush();
      return true;
    } catch (err) {
      this.#o.onStoreFailure(err instanceof Error ? err : new Error(String(err)));
      return false;
    }
  }

  #failed(socket: Socket, err: Error): void {
    if (this.#socket === socket) this.#o.onStoreFailure(err);
  }

  /** A gated store's last bytes at the end of a connection (a Logout, say): written as their gates open, then the end. */
  async #writeBehindGatesThenEnd(socket: Socket, queue: Array<Outgoing | Gate>): Promise<void> {
    for (const item of queue) {
      if (item instanceof Gate) {
        if (!item.open) await Promise.race([item.opened, new Promise((r) => setTimeout(r, END_GRACE_MS).unref())]);
        if (!item.open || item.failed) break;
      } else if (Buffer.isBuffer(item)) {
        socket.write(item);
      }
    }
    socket.end();
  }
}
