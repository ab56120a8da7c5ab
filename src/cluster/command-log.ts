// The command log on JetStream: the CommandLog (engine/command-log.ts) of a cluster node, under the same Sequencer as
// the local journal. The stream sequence is the engine's seq. stage() publishes at once (many publishes in flight on
// one connection, each with a Nats-Msg-Id: the submitter's dedupe id, else this process's entry number); append()
// waits for the batch's acks (stored on a quorum of the stream's replicas). The records come back through an ordered
// consumer over the whole stream: JetStream only delivers stored records, so the Sequencer applies only what is
// durable, whoever appended it, and every node applies the same records in the same order.
//
// A publish with no ack is sent again with the same Nats-Msg-Id (JetStream stores it once within its duplicate
// window) until ClusterAppendRetryMs; then it is in doubt and append() rejects, which stops the Sequencer. While the
// connection is down stage() throws SequencerUnavailableError at once: nothing is acknowledged that is not in the stream.
import { randomBytes } from 'node:crypto';
import {
  SequencerOverloadedError, SequencerUnavailableError, type Command, type CommandLog, type LogFollower, type SequencedCommand,
} from '../engine/index.js';
import { CommandReader } from './command-reader.js';
import { encodeCommandRecord } from './command-record.js';
import type { ClusterConnection } from './connection.js';
import { clusterNames, type ClusterNames } from './names.js';
import { PublishInDoubtError, PublishRefusedError } from './publish.js';
import type { ClusterSettings } from './settings.js';
import { ensureCommandStream, streamBounds, trimBelow } from './streams.js';

/** Retries ran out: the command may or may not be in the stream (if stored, its record still reaches every node). */
export class CommandAppendInDoubtError extends Error { override name = 'CommandAppendInDoubtError'; }
/** JetStream refused the command (not stored), e.g. the stream is full. */
export class CommandAppendRefusedError extends Error { override name = 'CommandAppendRefusedError'; }

export interface CommandLogOptions {
  /** Called with each append's publish-to-ack time in microseconds (metrics). */
  observeAckLatencyUs?: (us: number) => void;
}

const settled = (): void => undefined;

export class JetStreamCommandLog implements CommandLog {
  /** The acks of the staged entries not yet handed to an append, oldest first from stagedHead. */
  private staged: Array<Promise<void>> = [];
  private stagedHead = 0;
  private inFlightCount = 0;
  private follower: LogFollower | null = null;
  private reader: CommandReader | null = null;
  private closed = false;

  private constructor(readonly conn: ClusterConnection, readonly names: ClusterNames, readonly origin: string,
    private readonly settings: ClusterSettings, private readonly options: CommandLogOptions) {}

  /** Opens (and on first use creates) the command stream of `settings.stream` with its replicas and duplicate window. */
  static async open(conn: ClusterConnection, settings: ClusterSettings, options: CommandLogOptions = {}): Promise<JetStreamCommandLog> {
    const names = clusterNames(settings.stream);
    await ensureCommandStream(conn.jsm, names, { replicas: settings.replicas, duplicateWindowMs: settings.duplicateWindowMs });
    // the incarnation tells this process's records from those a previous process of the same node appended
    const origin = `${settings.nodeId}/${randomBytes(6).toString('hex')}`;
    return new JetStreamCommandLog(conn, names, origin, settings, options);
  }

  /** Appends published and not yet acknowledged. */
  get inFlight(): number { return this.inFlightCount; }
  /** Records in the stream after the last one delivered (the replica's lag), as of the last record read. */
  get lag(): number { return this.reader?.lag ?? 0; }
  /** Seq of the last record delivered to the follower (0 before the reader started). */
  get lastDeliveredSeq(): number { return this.reader?.lastSeq ?? 0; }
  /** How often the reader's consumer stalled and was started again. */
  get readerRestarts(): number { return this.reader?.restarts ?? 0; }

  stage(entry: number, timeMs: number, cmd: Command, dedupeId?: string): number {
    if (this.closed) throw new Error('command log closed');
    if (!this.conn.up) throw new SequencerUnavailableError(this.conn.lostError().message);
    if (this.inFlightCount >= this.settings.publishInFlightMax) throw new SequencerOverloadedError(`${this.inFlightCount} appends in flight (ClusterPublishInFlightMax)`);
    const body = encodeCommandRecord(cmd, timeMs, this.origin, entry);
    const startMs = performance.now();
    this.inFlightCount++;
    const acked = this.conn.publisher.publish(this.names.commandSubject, body, {
      msgID: dedupeId ?? `${this.origin}:${entry}`, timeoutMs: this.settings.publishTimeoutMs, retryMs: this.settings.appendRetryMs,
    }).then((ack) => {
      this.inFlightCount--;
      this.options.observeAckLatencyUs?.((performance.now() - startMs) * 1000);
      this.reader?.noteStreamSeq(ack.seq);
      if (ack.duplicate) this.follower?.duplicate(entry, ack.seq);
    }, (err: Error) => {
      this.inFlightCount--;
      if (err instanceof PublishRefusedError) throw new CommandAppendRefusedError(err.message, { cause: err });
      if (err instanceof PublishInDoubtError) throw new CommandAppendInDoubtError(err.message, { cause: err });
      throw err;
    });
    acked.catch(settled); // append() awaits it; a failure before then is no unhandled rejection
    this.staged.push(acked);
    return 0;
  }

  append(count: number): Promise<void> {
    const end = this.stagedHead + count;
    if (!(count >= 1 && end <= this.staged.length)) throw new Error(`invariant: append ${count} of ${this.staged.length - this.stagedHead} staged`);
    const batch = this.staged.slice(this.stagedHead, end);
    if (end === this.staged.length) { this.staged = []; this.stagedHead = 0; } else if (end > 8192) { this.staged = this.staged.slice(end); this.stagedHead = 0; } else this.stagedHead = end;
    return Promise.all(batch).then(settled);
  }

  /** Starts an ordered consumer after `afterSeq`; a stream trimmed past it (JournalTrimmedError) or a consumer that
   *  cannot start reaches the follower's failed(): a JetStream consumer starts asynchronously. startReplica checks the
   *  stream first, so a node does not even start on a trimmed stream. */
  follow(afterSeq: number, follower: LogFollower): void {
    if (this.follower !== null) throw new Error('invariant: the command log has a follower already');
    this.follower = follower;
    CommandReader.start(this.conn, {
      stream: this.names.commandStream, fromSeq: afterSeq + 1,
      onRecord: (r) => follower.record(r.sc, r.origin === this.origin ? r.entry : 0),
      onBatchEnd: () => follower.batchEnd(),
      onError: (err) => follower.failed(err),
    }).then((reader) => {
      if (this.closed) void reader.stop(); else this.reader = reader;
    }, (err: Error) => follower.failed(err));
  }

  async read(afterSeq: number, onRecord: (sc: SequencedCommand) => void, upToSeq = Number.MAX_SAFE_INTEGER): Promise<number> {
    const last = Math.min(upToSeq, (await this.bounds()).lastSeq);
    if (last <= afterSeq) return afterSeq;
    return new Promise<number>((resolve, reject) => {
      let reader: CommandReader | null = null;
      let done = false;
      const finish = (err: Error | null): void => {
        if (done) return;
        done = true;
        void reader?.stop();
        if (err === null) resolve(last); else reject(err);
      };
      CommandReader.start(this.conn, {
        stream: this.names.commandStream, fromSeq: afterSeq + 1, onError: finish,
        onRecord: (r) => { if (r.sc.seq <= last) onRecord(r.sc); if (r.sc.seq >= last) finish(null); },
      }).then((r) => { reader = r; if (done) void r.stop(); }, finish);
    });
  }

  async trim(coveredSeq: number): Promise<void> {
    await trimBelow(this.conn.jsm, this.names.commandStream, coveredSeq + 1);
  }

  /** First and last sequence in the stream now. */
  bounds(): Promise<{ firstSeq: number; lastSeq: number }> {
    return streamBounds(this.conn.jsm, this.names.commandStream);
  }

  /** Stops reading; appends in flight settle on their own (the connection is the caller's to close). */
  async close(): Promise<void> {
    this.closed = true;
    this.follower = null;
    this.staged = [];
    this.stagedHead = 0;
    await this.reader?.stop();
  }
}
