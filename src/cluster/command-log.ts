// The command log on JetStream: what a cluster node appends its commands to and reads every node's commands from.
// The stream sequence is the engine's seq; a record is durable once JetStream acknowledges it (with 3 replicas: stored
// on two of them), and a consumer only ever sees stored records, so applying what the reader hands on keeps "durable
// before visible". Every node reads the whole stream; a record's ref comes back only on the node that appended it.
import { randomBytes } from 'node:crypto';
import type { Command } from '../engine/types.js';
import { CommandAppender, type AppendAck, type AppendOptions } from './command-appender.js';
import { CommandReader } from './command-reader.js';
import type { CommandRecord } from './command-record.js';
import type { ClusterConnection } from './connection.js';
import { clusterNames, type ClusterNames } from './names.js';
import type { ClusterSettings } from './settings.js';
import { ensureCommandStream, streamBounds, trimBelow } from './streams.js';

export type RecordListener = (record: CommandRecord, ref: number | undefined) => void;

export interface CommandLogOptions {
  /** Called with each append's publish-to-ack time in microseconds (metrics). */
  observeAckLatencyUs?: (us: number) => void;
}

export class JetStreamCommandLog {
  private readonly appender: CommandAppender;
  private readonly readers = new Set<CommandReader>();

  private constructor(readonly conn: ClusterConnection, readonly names: ClusterNames, readonly origin: string, settings: ClusterSettings, options: CommandLogOptions) {
    this.appender = new CommandAppender(conn, {
      subject: names.commandSubject, origin, publishTimeoutMs: settings.publishTimeoutMs, appendRetryMs: settings.appendRetryMs,
      inFlightMax: settings.publishInFlightMax, ...(options.observeAckLatencyUs ? { observeAckLatencyUs: options.observeAckLatencyUs } : {}),
    });
  }

  /** Opens (and on first use creates) the command stream of `settings.stream` with its replicas and duplicate window. */
  static async open(conn: ClusterConnection, settings: ClusterSettings, options: CommandLogOptions = {}): Promise<JetStreamCommandLog> {
    const names = clusterNames(settings.stream);
    await ensureCommandStream(conn.jsm, names, { replicas: settings.replicas, duplicateWindowMs: settings.duplicateWindowMs });
    // the incarnation tells this process's records from those a previous process of the same node appended
    const origin = `${settings.nodeId}/${randomBytes(6).toString('hex')}`;
    return new JetStreamCommandLog(conn, names, origin, settings, options);
  }

  /** Appends published and not yet acknowledged. */
  get inFlight(): number { return this.appender.inFlight; }

  /** See CommandAppender.append: throws at once when nothing was published; resolves once the record is durable. */
  append(cmd: Command, timeMs: number, options?: AppendOptions): Promise<AppendAck> {
    return this.appender.append(cmd, timeMs, options);
  }

  /** Hands every record from `fromSeq` on to `onRecord`, in order, exactly once; `ref` only for this process's own. */
  async read(fromSeq: number, onRecord: RecordListener, onError: (err: Error) => void): Promise<CommandReader> {
    const reader = await CommandReader.start(this.conn, {
      stream: this.names.commandStream, fromSeq, onError,
      onRecord: (record) => onRecord(record, record.origin === this.origin ? record.ref : undefined),
    });
    this.readers.add(reader);
    return reader;
  }

  /** First and last sequence in the stream now. */
  bounds(): Promise<{ firstSeq: number; lastSeq: number }> {
    return streamBounds(this.conn.jsm, this.names.commandStream);
  }

  /** Drops every record below `seq` (call it with the oldest kept snapshot's seq + 1). Returns how many went. */
  trimBelow(seq: number): Promise<number> {
    return trimBelow(this.conn.jsm, this.names.commandStream, seq);
  }

  /** Stops the readers; appends in flight settle on their own (the connection is the caller's to close). */
  async close(): Promise<void> {
    await Promise.all([...this.readers].map((r) => r.stop()));
    this.readers.clear();
  }
}
