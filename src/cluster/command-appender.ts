// Appends commands to the command stream: many publishes in flight at once (up to a bound), each carrying a
// Nats-Msg-Id, each counted durable when JetStream acknowledges it (stored on a quorum of the stream's replicas).
// A publish that gets no answer (a NATS server died, the stream is electing a leader) may or may not be stored, so it
// is sent again with the same Nats-Msg-Id, which JetStream stores at most once within its duplicate window; retries end
// after appendRetryMs, well inside that window, and the append is then reported in doubt. While the connection is
// down, new appends are refused at once: nothing is acknowledged that is not in the stream.
import type { Command } from '../engine/types.js';
import { encodeCommandRecord } from './command-record.js';
import type { ClusterConnection } from './connection.js';
import { PublishInDoubtError, PublishRefusedError } from './publish.js';

export class CommandLogOverloadedError extends Error { override name = 'CommandLogOverloadedError'; }
/** The connection is down: the command was not published. */
export class CommandLogUnavailableError extends Error { override name = 'CommandLogUnavailableError'; }
/** Retries ran out: the command may or may not be in the stream (its record, if stored, still reaches every node). */
export class CommandAppendInDoubtError extends Error { override name = 'CommandAppendInDoubtError'; }
/** JetStream refused the command (not stored), e.g. the stream is full. */
export class CommandAppendRefusedError extends Error { override name = 'CommandAppendRefusedError'; }

export interface AppenderOptions {
  subject: string;
  /** `${nodeId}/${incarnation}`: written into every record. */
  origin: string;
  publishTimeoutMs: number;
  appendRetryMs: number;
  inFlightMax: number;
  /** Called with each append's time from first publish to JetStream's ack, in microseconds. */
  observeAckLatencyUs?: (us: number) => void;
}

export interface AppendOptions {
  /** The submitter's number for the command; comes back with its record on this node. */
  ref?: number;
  /** Nats-Msg-Id; without one, a per-process id (so a retry is still stored once). */
  dedupeId?: string;
}

export interface AppendAck { seq: number; duplicate: boolean }

export class CommandAppender {
  private inFlightCount = 0;
  private counter = 0;

  constructor(private readonly conn: ClusterConnection, private readonly opts: AppenderOptions) {}

  /** Appends published and not yet settled. */
  get inFlight(): number { return this.inFlightCount; }

  /**
   * Publishes `cmd` stamped with `timeMs`; resolves with its stream sequence once JetStream holds it. Throws at once,
   * with nothing published, CommandLogOverloadedError, CommandLogUnavailableError or JournalRecordTooLargeError; the
   * promise rejects with CommandAppendInDoubtError or CommandAppendRefusedError.
   */
  append(cmd: Command, timeMs: number, options: AppendOptions = {}): Promise<AppendAck> {
    if (!this.conn.up) throw new CommandLogUnavailableError(this.conn.lostError().message);
    if (this.inFlightCount >= this.opts.inFlightMax) throw new CommandLogOverloadedError(`${this.inFlightCount} appends in flight (ClusterPublishInFlightMax)`);
    const body = encodeCommandRecord(cmd, timeMs, this.opts.origin, options.ref);
    const msgId = options.dedupeId ?? `${this.opts.origin}:${++this.counter}`;
    this.inFlightCount++;
    return this.publish(body, msgId).finally(() => { this.inFlightCount--; });
  }

  private async publish(body: Buffer, msgID: string): Promise<AppendAck> {
    const startNs = process.hrtime.bigint();
    try {
      const ack = await this.conn.publisher.publish(this.opts.subject, body, { msgID, timeoutMs: this.opts.publishTimeoutMs, retryMs: this.opts.appendRetryMs });
      this.opts.observeAckLatencyUs?.(Number(process.hrtime.bigint() - startNs) / 1000);
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      if (err instanceof PublishRefusedError) throw new CommandAppendRefusedError(err.message, { cause: err });
      if (err instanceof PublishInDoubtError) throw new CommandAppendInDoubtError(err.message, { cause: err });
      throw err;
    }
  }
}
