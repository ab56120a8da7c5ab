// Reads the command stream from a sequence on, in order, and hands each record on exactly once: an ordered consumer
// (JetStream recreates it from the last sequence seen after a server dies or a message goes missing), and a check
// here that every record is the one after the last handed on, so a repeat is dropped and a hole is an error rather
// than a silently skipped command. A replica that falls behind only fills its own buffer (maxBuffered records): the
// stream and the other replicas do not wait for it.
//
// A watchdog restarts the consumer from the next sequence when records are known to be in the stream (from this
// node's own acks, or the stream's state polled while idle) and none arrived for STALL_MS: a consumer must never stop
// quietly, or the node would stop applying while it still looked alive.
//
// Batches: the records that arrive in one event-loop turn are one batch (the replies to them go out together); a batch
// ends when the consumer has nothing more pending, or at the end of the turn, whichever comes first.
import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { JournalTrimmedError } from '../engine/index.js';
import { decodeCommandRecord, type CommandRecord } from './command-record.js';
import type { ClusterConnection } from './connection.js';
import { streamBounds } from './streams.js';

const PULL_EXPIRES_MS = 5000;
const PULL_HEARTBEAT_MS = 1000;
/** No record for this long while the stream holds more: the consumer is started again. */
const STALL_MS = 3000;
const WATCH_MS = 1000;
/** A consumer skipping records this many times in a row, without a record in order between, is an error. */
const SKIPS_MAX = 5;

export class CommandStreamGapError extends Error { override name = 'CommandStreamGapError'; }

export interface ReaderOptions {
  stream: string;
  /** First sequence to hand on (the engine's lastSeq + 1). */
  fromSeq: number;
  /** Called for every record in sequence order; a throw stops the reader (onError). */
  onRecord: (record: CommandRecord) => void;
  /** The records handed on so far are all the stream holds, or a turn's worth: a batch ends. */
  onBatchEnd?: () => void;
  /** The reader stopped: a hole, an undecodable record, a throwing onRecord, or the consumer gave up. */
  onError: (err: Error) => void;
  /** Records fetched ahead of the one being handed on, at most (default 1024). */
  maxBuffered?: number;
}

export class CommandReader {
  private nextSeq: number;
  private streamPending = 0;
  private messages: ConsumerMessages | null = null;
  private stopped = false;
  private batchOpen = false;
  private batchRecords = 0;
  /** The highest stream sequence known to exist (acks, polls, pending counts). */
  private knownLastSeq = 0;
  private progressAtMs = performance.now();
  private restarting = false;
  private restartCount = 0;
  /** Number of the newest consumer: the others' messages are dropped. */
  private generation = 0;
  /** Consumers in a row that skipped records. */
  private skips = 0;
  private watch: NodeJS.Timeout | null = null;

  private constructor(private readonly conn: ClusterConnection, private readonly opts: ReaderOptions) {
    this.nextSeq = opts.fromSeq;
  }

  /** Starts reading at opts.fromSeq; throws JournalTrimmedError when the stream was trimmed past it. */
  static async start(conn: ClusterConnection, opts: ReaderOptions): Promise<CommandReader> {
    if (!Number.isSafeInteger(opts.fromSeq) || opts.fromSeq < 1) throw new RangeError(`read from ${opts.fromSeq}: not a stream sequence`);
    const bounds = await streamBounds(conn.jsm, opts.stream);
    if (opts.fromSeq > bounds.lastSeq + 1) {
      throw new CommandStreamGapError(`stream ${opts.stream} ends at seq ${bounds.lastSeq}, but reading was to start at ${opts.fromSeq}: this state is not from this stream`);
    }
    if (bounds.firstSeq > opts.fromSeq) throw new JournalTrimmedError(`stream ${opts.stream}`, bounds.firstSeq, opts.fromSeq);
    const reader = new CommandReader(conn, opts);
    reader.streamPending = Math.max(0, bounds.lastSeq - opts.fromSeq + 1);
    reader.knownLastSeq = bounds.lastSeq;
    await reader.consume();
    reader.watch = setInterval(() => reader.check(), WATCH_MS);
    reader.watch.unref();
    return reader;
  }

  /** An ordered consumer from the next sequence; only the newest one's messages are taken. */
  private async consume(): Promise<void> {
    const generation = ++this.generation;
    const consumer = await this.conn.js.consumers.get(this.opts.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.nextSeq });
    // short pulls with heartbeats: a consumer lost with its server (all of NATS restarted) is noticed and recreated
    // from the last sequence seen within seconds, not after the client's default 30 s pull
    let messages: ConsumerMessages | null = null;
    messages = await consumer.consume({
      max_messages: this.opts.maxBuffered ?? 1024, expires: PULL_EXPIRES_MS, idle_heartbeat: PULL_HEARTBEAT_MS,
      callback: (m) => { if (this.generation === generation) this.deliver(m); },
    });
    if (this.generation !== generation || this.stopped) { // a newer consumer replaced this one while it started
      void messages.close().catch(() => undefined);
      return;
    }
    this.messages = messages;
    void messages.closed().then((err) => { if (err && !this.stopped && this.messages === messages) this.fail(err); });
  }

  /** The stream holds `seq` (an append's ack): the reader must get there. */
  noteStreamSeq(seq: number): void {
    if (seq > this.knownLastSeq) this.knownLastSeq = seq;
  }

  /** How often the consumer was started again after a stall. */
  get restarts(): number { return this.restartCount; }

  /** The last sequence handed on. */
  get lastSeq(): number { return this.nextSeq - 1; }

  /** Records in the stream after the last one handed on, as of the last record read (the replica's lag). */
  get lag(): number { return this.streamPending; }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.watch !== null) clearInterval(this.watch);
    await this.messages?.close();
  }

  private check(): void {
    if (this.stopped || this.restarting || !this.conn.up || performance.now() - this.progressAtMs < STALL_MS) return;
    if (this.knownLastSeq < this.nextSeq) {
      // idle, or stalled without knowing it: ask the stream (a cheap API request, only while nothing arrives)
      this.progressAtMs = performance.now();
      streamBounds(this.conn.jsm, this.opts.stream).then((b) => this.noteStreamSeq(b.lastSeq), () => undefined);
      return;
    }
    this.restart();
  }

  /** A new consumer from the next sequence (the old one stalled, or skipped records). One that does not start within
   *  STALL_MS (no stream leader yet) is given up for the next attempt; a stream trimmed past the next sequence is an
   *  error (the node must start again from a snapshot). */
  private restart(): void {
    if (this.restarting) return;
    this.restarting = true;
    this.restartCount++;
    const old = this.messages;
    this.messages = null;
    void old?.close().catch(() => undefined);
    const attempt = (async () => {
      const bounds = await streamBounds(this.conn.jsm, this.opts.stream);
      if (bounds.firstSeq > this.nextSeq) throw new JournalTrimmedError(`stream ${this.opts.stream}`, bounds.firstSeq, this.nextSeq);
      await this.consume();
    })();
    const timeout = new Promise<void>((_, reject) => setTimeout(() => reject(new Error('consumer did not start')), STALL_MS).unref());
    Promise.race([attempt, timeout]).then(() => {
      this.restarting = false;
      this.progressAtMs = performance.now();
    }, (err: Error) => {
      this.restarting = false;
      if (err instanceof JournalTrimmedError) this.fail(err);
      else this.generation++; // NATS away or no leader: a late start is dropped, the next check tries again
    });
  }

  private deliver(m: JsMsg): void {
    if (this.stopped) return;
    if (m.seq < this.nextSeq) return; // a repeat after the consumer was recreated
    if (m.seq !== this.nextSeq) {
      // The stream has no holes above its first seq (no deletes; trims only below what a snapshot covers), so the
      // consumer skipped: it happens when a server dies under it. Read again from the next sequence.
      if (++this.skips > SKIPS_MAX) {
        this.fail(new CommandStreamGapError(`stream ${this.opts.stream}: record ${m.seq} arrived after ${this.nextSeq - 1}, ${SKIPS_MAX} times over (records missing)`));
      } else {
        this.restart();
      }
      return;
    }
    this.skips = 0;
    let record: CommandRecord;
    try {
      record = decodeCommandRecord(m.seq, m.data);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    this.nextSeq++;
    this.batchRecords++;
    this.progressAtMs = performance.now();
    this.streamPending = m.info.pending;
    try {
      this.opts.onRecord(record);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (this.streamPending === 0) this.endBatch();
    else if (!this.batchOpen) {
      this.batchOpen = true;
      setImmediate(this.endBatch);
    }
  }

  private readonly endBatch = (): void => {
    this.batchOpen = false;
    if (this.stopped || this.batchRecords === 0) return;
    this.batchRecords = 0;
    this.opts.onBatchEnd?.();
  };

  private fail(err: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.watch !== null) clearInterval(this.watch);
    void this.messages?.close();
    this.opts.onError(err);
  }
}
