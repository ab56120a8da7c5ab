// The command log: the durable, ordered record of every engine command, and the one thing the single-process and
// the cluster modes do differently. The Sequencer (sequencer.ts) stages commands into it, appends them in batches,
// and applies exactly the records the log delivers as durable, in seq order, whoever appended them. Implementations:
// the local segmented journal (command-log-journal.ts) and an in-memory log for tests (command-log-memory.ts).
//
// HOW A JETSTREAM LOG MAPS ONTO IT (the cluster's implementation; nothing here depends on NATS)
// - stage(): encodes the command's payload (encodeCommandPayload(timeMs, cmd, room): the journal's record payload
//   with seq 0, since the stream assigns it; null when it needs more than `room`, e.g. RECORD_PAYLOAD_BYTES_MAX or the
//   stream's max message size) and throws JournalRecordTooLargeError with nothing staged when it does not fit. It keeps the message with two headers: Nats-Msg-Id = dedupeId (when given), and an origin header naming
//   this log instance (node id + a per-start random id) and the entry number, so its own records are recognised when
//   they come back. Returns 0: the seq is not known before the stream stores the message.
// - append(): publishes the staged messages (pipelined, in order, on one connection) and resolves once every PubAck
//   came back: the stream stored them on a quorum. A PubAck with `duplicate: true` (the Nats-Msg-Id was already in the
//   stream's duplicate window) calls follower.duplicate(entry, ack.seq). A publish that fails or times out rejects
//   (or the log retries it itself while the stream is unreachable: that is the cluster's policy to choose; a
//   rejection stops the Sequencer).
// - follow(): an ordered push consumer over the whole stream starting at afterSeq + 1 (DeliverPolicy
//   by_start_sequence). A JetStream consumer only delivers messages the stream has stored, so every delivered message
//   is durable. Each message becomes a SequencedCommand with seq = its stream sequence and timeMs and cmd from its
//   payload (decodeCommandPayload); when its origin header names this instance, its entry number goes along.
//   batchEnd() when the consumer has nothing pending (message info `pending` = 0). A consumer that fails for good
//   calls follower.failed().
// - read(): an ordered consumer from afterSeq + 1 up to upToSeq (or the stream's last seq when it started).
// - trim(): purge the stream below coveredSeq + 1 (`purge({ seq: coveredSeq + 1 })`) once a snapshot at coveredSeq
//   is durable in the object store.
// - A stream seq is never reused and JetStream deduplicates without assigning a new seq, so the seqs a node applies
//   are consecutive, which the engine checks.
import type { Command, SequencedCommand } from './types.js';

/** What a log hands to the one who follows it (the Sequencer). */
export interface LogFollower {
  /**
   * A durable record, in seq order: every seq once, none skipped, starting right after the seq given to follow().
   * `entry` is the number the appender gave the command in stage() when this log instance appended it, else 0.
   */
  record(sc: SequencedCommand, entry: number): void;
  /** An entry staged through this instance that the log stored no new record for: its dedupeId was already in the
   *  log, as the record with `seq`. That record may be the entry's own (a retried publish whose first attempt was
   *  stored): then it still comes to record() with the entry's number, and the appender counts it as its own. */
  duplicate(entry: number, seq: number): void;
  /** The records delivered so far are all the log holds durably right now: a batch ends (replies go out per batch). */
  batchEnd(): void;
  /** The log can deliver no more (its storage or connection failed for good). */
  failed(err: Error): void;
}

/**
 * A replaceable, durable, ordered command log. One appender per instance (the process's Sequencer); several instances
 * (nodes) may append to the same log at once, so the log, not the appender, assigns the seqs.
 */
export interface CommandLog {
  /**
   * Encodes a command for the next append and keeps it, under the appender's entry number (1, 2, 3… in submit
   * order; the log hands it back with the record). `timeMs` is the submitter's clock; `dedupeId` lets a log that
   * deduplicates store the same inbound message only once. Throws JournalRecordTooLargeError, or
   * SequencerUnavailableError while the log cannot take commands (a replicated log's servers are away); then nothing
   * is staged. A log may already start writing here (publish at once); append() is then where the batch's durability
   * is awaited. Returns the seq the record will have when the log knows it already (one appender: the local journal
   * counts), else 0.
   */
  stage(entry: number, timeMs: number, cmd: Command, dedupeId?: string): number;
  /**
   * Appends the oldest `count` staged entries as one batch. Returns (synchronously) or resolves once they are durable;
   * throws or rejects when they cannot be made durable (the caller stops: nothing of the batch may become visible).
   * The records reach the follower separately, through follow(); the local journal delivers them before it returns.
   */
  append(count: number): void | Promise<void>;
  /** Delivers every durable record after `afterSeq` to `follower`, first those already in the log, then each new one
   *  as it becomes durable; one follower per instance. Records already in the log may come during the call (the local
   *  journal) or later (a consumer). Throws JournalTrimmedError when the log no longer holds afterSeq + 1. */
  follow(afterSeq: number, follower: LogFollower): void;
  /** Reads the durable records with afterSeq < seq ≤ upToSeq once, in order (recovery, replay, audit); resolves to the
   *  last seq read (afterSeq when none). Throws JournalTrimmedError when the log no longer holds afterSeq + 1. */
  read(afterSeq: number, onRecord: (sc: SequencedCommand) => void, upToSeq?: number): Promise<number>;
  /** Retention after a durable snapshot at coveredSeq: the log may drop records with seq ≤ coveredSeq (it may keep
   *  more, e.g. whole segments only). */
  trim(coveredSeq: number): Promise<void>;
  /** Stops delivering and releases the log's resources; staged entries that were not appended are dropped. */
  close(): Promise<void>;
}
