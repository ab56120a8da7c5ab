// The command log of a single process: the local segmented journal (journal.ts). It is the only appender, so it
// counts the seqs itself and knows each one at stage(). A batch is one write (and one fdatasync under fsync
// 'always'); its records go to the follower right after that write, before append() returns or resolves, so a
// command is never visible before it is durable by the policy.
import type { CommandLog, LogFollower } from './command-log.js';
import { RecordBuffer, scanJournal, trimJournal, type JournalWriter } from './journal.js';
import type { Command, SequencedCommand } from './types.js';

export class JournalCommandLog implements CommandLog {
  /** Records of the staged commands, encoded at stage() so a size error reaches the submitter. */
  private readonly records = new RecordBuffer();
  private staged: SequencedCommand[] = [];
  /** Entry number of staged[0]: the appender numbers its entries 1, 2, 3… (CommandLog.stage), so the others follow. */
  private stagedEntryFirst = 1;
  private seqNext: number;
  /** Seq of the last record written (durable by the writer's fsync policy). */
  private seqDurable: number;
  private follower: LogFollower | null = null;
  private closed = false;

  /** `lastSeq`: the journal's last record after recovery (the snapshot's seq when the journal holds none after it). */
  constructor(readonly writer: JournalWriter, lastSeq: number) {
    this.seqNext = lastSeq + 1;
    this.seqDurable = lastSeq;
  }

  /** Seq of the last record written. */
  get lastSeq(): number { return this.seqDurable; }

  stage(entry: number, timeMs: number, cmd: Command): number {
    if (this.closed) throw new Error(`${this.writer.path}: journal closed`);
    if (entry !== this.stagedEntryFirst + this.staged.length) throw new Error(`invariant: entry ${entry} staged after ${this.stagedEntryFirst + this.staged.length - 1}`);
    const sc: SequencedCommand = { seq: this.seqNext, timeMs, cmd };
    this.records.append(sc);
    this.staged.push(sc);
    return this.seqNext++;
  }

  append(count: number): void | Promise<void> {
    if (!(count >= 1 && count <= this.staged.length)) throw new Error(`invariant: append ${count} of ${this.staged.length} staged`);
    const whole = count === this.staged.length;
    const batch = whole ? this.staged : this.staged.slice(0, count);
    const firstEntry = this.stagedEntryFirst;
    this.staged = whole ? [] : this.staged.slice(count);
    this.stagedEntryFirst += count;
    const buf = this.records.take(count);
    // fsync 'none': written to the OS synchronously (no thread-pool round trip); 'always': write and fdatasync off
    // the event loop. Either way the batch is durable by the policy before its records are delivered.
    if (this.writer.writesSynchronously) {
      this.writer.appendSync(buf, batch[0]!.seq);
      this.records.recycle(buf);
      this.deliver(batch, firstEntry);
      return;
    }
    return this.writer.append(buf, batch[0]!.seq).then(() => {
      this.records.recycle(buf);
      this.deliver(batch, firstEntry);
    });
  }

  follow(afterSeq: number, follower: LogFollower): void {
    if (this.follower !== null) throw new Error('invariant: the journal has a follower already');
    if (afterSeq > this.seqDurable) throw new Error(`invariant: follow after seq ${afterSeq}, but the journal ends at ${this.seqDurable}`);
    this.follower = follower;
    if (afterSeq === this.seqDurable) return;
    this.readSync(afterSeq, (sc) => follower.record(sc, 0), this.seqDurable);
    follower.batchEnd();
  }

  read(afterSeq: number, onRecord: (sc: SequencedCommand) => void, upToSeq = this.seqDurable): Promise<number> {
    try {
      return Promise.resolve(this.readSync(afterSeq, onRecord, Math.min(upToSeq, this.seqDurable)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  trim(coveredSeq: number): Promise<void> {
    const dir = this.dirOrThrow();
    try {
      trimJournal(dir, coveredSeq);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.follower = null;
    this.staged = [];
    this.records.clear();
    await this.writer.close();
  }

  private deliver(batch: SequencedCommand[], firstEntry: number): void {
    this.seqDurable = batch[batch.length - 1]!.seq;
    const follower = this.follower;
    if (follower === null) return;
    for (let i = 0; i < batch.length; i++) follower.record(batch[i]!, firstEntry + i);
    follower.batchEnd();
  }

  /** Streams the records after afterSeq up to upToSeq from the segment files; returns the last seq read. */
  private readSync(afterSeq: number, onRecord: (sc: SequencedCommand) => void, upToSeq: number): number {
    if (afterSeq >= upToSeq) return afterSeq;
    const dir = this.dirOrThrow();
    const scan = scanJournal(dir, { afterSeq, upToSeq }, onRecord);
    if (scan.lastSeq < upToSeq) throw new Error(`${dir}: the journal ends at seq ${scan.lastSeq}, before seq ${upToSeq} that was written`);
    return scan.lastSeq;
  }

  private dirOrThrow(): string {
    if (this.writer.dir === null) throw new Error(`${this.writer.path}: a journal file opened alone, not a journal directory, cannot be read back or trimmed`);
    return this.writer.dir;
  }
}
