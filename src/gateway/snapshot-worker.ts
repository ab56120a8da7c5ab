// The snapshot worker (a node:worker_threads thread): a replica engine that tails the journal and writes the engine
// snapshots, so the gateway's event loop never serialises the state. The engine is deterministic and the journal is
// the record, so replaying the same journal with the same config gives exactly the gateway's state at every seq.
// It starts from the newest snapshot on disk (or empty), reads only records the gateway has made durable (the seq
// it publishes in shared memory), and is read-only on the journal except for JournalRetention=snapshot trimming.
// Protocol (messages, see snapshots.ts): in 'snapshot' {seq} (write one at or after seq), 'stop'; out 'written',
// 'failed', 'caughtUp', 'log'. Shared BigInt64Array: [0] seq durable in the journal (gateway writes),
// [1] seq applied here (worker writes).
import { readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import {
  buildEngineConfig, encodeSnapshot, Engine, FileSnapshotStore, importEngineState, journalDirOf, readLatestSnapshot, snapshotDirOf, syncJournal,
  trimJournalToSnapshots, type EngineConfigFile, type JournalRetention, type SequencedCommand,
} from '../engine/index.js';
import { JournalTail } from './journal-tail.js';

export interface SnapshotWorkerData {
  dataDir: string;
  config: { file: EngineConfigFile; source: string; hash: string };
  everyCommands: number;
  kept: number;
  journalFsync: boolean;
  retention: JournalRetention;
  /** BigInt64Array over it: [0] durable seq (gateway), [1] applied seq (worker). */
  shared: SharedArrayBuffer;
  /** Nice value for this thread (Linux; 0 = leave it): background work yields the CPU to the gateway's event loop. */
  nice: number;
  /** Test hook: the worker throws after applying this seq (0 = never). */
  crashAfterSeq?: number;
  /** Test hook: the worker hangs (blocks for ever) after applying this seq (0 = never). */
  stallAfterSeq?: number;
}

export type FromWorker =
  | { type: 'caughtUp'; seq: number; snapshotSeq: number; replayed: number; ms: number }
  | { type: 'written'; seq: number; path: string; bytes: number; encodeMs: number; writeMs: number; deleted: string[];
    cpuMs: number; heapUsedBytes: number; appliedCommands: number }
  | { type: 'failed'; seq: number; message: string };
export type ToWorker = { type: 'snapshot'; seq: number } | { type: 'stop' };

/** Records applied before the worker looks at its messages again. */
const APPLY_CHUNK_RECORDS = 20_000;
/** How often an idle worker looks for newly durable commands. Each look wakes the thread (and applies what came in
 *  meanwhile, in one go); frequent wake-ups take the client's core from the 1×1 latency path, so it looks rarely. */
const IDLE_POLL_MS = 100;

/** The replica: the engine rebuilt from the newest snapshot, applying the journal as the gateway makes it durable. */
class SnapshotReplica {
  private readonly port = parentPort!;
  private readonly shared: BigInt64Array;
  private readonly startMs = performance.now();
  private readonly store: FileSnapshotStore;
  private readonly journalDir: string;
  private readonly engine: Engine;
  private readonly tail: JournalTail;
  /** Seq of the snapshot started from. */
  private readonly startSnapshotSeq: number;
  /** Newest snapshot on disk (the one started from, then each one written). */
  private snapshotSeq: number;
  /** A snapshot of a state at or after this seq is wanted (-1 = none): requests and shutdown. */
  private requestedSeq = -1;
  /** Seq of the newest snapshot this worker wrote (-1 = none). */
  private writtenSeq = -1;
  private journalSyncedSeq: number;
  private appliedCommands = 0;
  private caughtUp = false;
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(private readonly data: SnapshotWorkerData) {
    const config = buildEngineConfig(data.config.file, data.config.source);
    if (config.hash !== data.config.hash) throw new Error(`snapshot worker: engine config hash ${config.hash} differs from the gateway's ${data.config.hash}`);
    this.shared = new BigInt64Array(data.shared);
    const snapDir = snapshotDirOf(data.dataDir);
    this.store = new FileSnapshotStore(snapDir);
    this.journalDir = journalDirOf(data.dataDir);
    const latest = readLatestSnapshot(snapDir);
    this.engine = latest === null ? new Engine(config) : importEngineState(config, latest.state);
    this.tail = new JournalTail(this.journalDir, this.engine.lastSeq);
    this.startSnapshotSeq = latest?.seq ?? 0;
    this.snapshotSeq = this.startSnapshotSeq;
    this.journalSyncedSeq = this.engine.lastSeq;
    this.port.on('message', (m: ToWorker) => {
      if (m.type === 'snapshot') this.requestedSeq = Math.max(this.requestedSeq, m.seq);
      else this.stopping = true;
      this.wake();
    });
  }

  wake(): void {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    if (!this.running) void this.loop();
  }

  private get requestPending(): boolean { return this.requestedSeq >= 0 && this.writtenSeq < this.requestedSeq; }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      for (;;) {
        const progressed = await this.step();
        if (this.stopping && !this.requestPending) break;
        if (!progressed) break;
        await new Promise((resolve) => setImmediate(resolve)); // let messages in between chunks
      }
    } finally {
      this.running = false;
    }
    if (this.stopping && !this.requestPending) {
      this.tail.close();
      this.port.close();
      return;
    }
    this.timer = setTimeout(() => this.wake(), IDLE_POLL_MS);
  }

  /** One round: apply what is durable (in bounded chunks, stopping at the periodic snapshot point), write snapshots due. */
  private async step(): Promise<boolean> {
    const { engine, data } = this;
    const durableSeq = Number(Atomics.load(this.shared, 0));
    let progressed = false;
    if (engine.lastSeq < durableSeq) {
      const dueSeq = data.everyCommands > 0 ? this.snapshotSeq + data.everyCommands : Number.MAX_SAFE_INTEGER;
      const upTo = Math.min(durableSeq, Math.max(dueSeq, engine.lastSeq + 1));
      progressed = this.tail.read(upTo, APPLY_CHUNK_RECORDS, this.apply) > 0;
      Atomics.store(this.shared, 1, BigInt(engine.lastSeq));
    }
    if (!this.caughtUp && engine.lastSeq >= durableSeq) {
      this.caughtUp = true;
      this.post({ type: 'caughtUp', seq: engine.lastSeq, snapshotSeq: this.startSnapshotSeq, replayed: this.appliedCommands,
        ms: performance.now() - this.startMs });
    }
    const periodicDue = data.everyCommands > 0 && engine.lastSeq - this.snapshotSeq >= data.everyCommands;
    const requestDue = this.requestPending && engine.lastSeq >= this.requestedSeq;
    if (periodicDue || requestDue) {
      await this.writeSnapshot();
      progressed = true;
    }
    return progressed;
  }

  private readonly apply = (sc: SequencedCommand): void => {
    const { engine, data } = this;
    if (sc.seq !== engine.lastSeq + 1) throw new Error(`invariant: journal record seq ${sc.seq} after engine seq ${engine.lastSeq}`);
    engine.apply(sc);
    this.appliedCommands++;
    if (data.crashAfterSeq !== undefined && data.crashAfterSeq > 0 && sc.seq === data.crashAfterSeq) {
      throw new Error(`snapshot worker: crash requested after seq ${sc.seq} (test hook)`);
    }
    if (data.stallAfterSeq !== undefined && data.stallAfterSeq > 0 && sc.seq === data.stallAfterSeq) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // never woken: only terminate() ends it
    }
  };

  private async writeSnapshot(): Promise<void> {
    const { engine, data } = this;
    const seq = engine.lastSeq;
    try {
      const encodeStartNs = process.hrtime.bigint();
      const snap = encodeSnapshot(engine);
      const encodeMs = Number(process.hrtime.bigint() - encodeStartNs) / 1e6;
      const writeStartNs = process.hrtime.bigint();
      // The journal must hold every command the snapshot includes, also after a power loss.
      if (!data.journalFsync) {
        await syncJournal(this.journalDir, this.journalSyncedSeq + 1);
        this.journalSyncedSeq = snap.seq;
      }
      const path = await this.store.save(snap.seq, snap.chunks);
      await this.store.trim(data.kept);
      // Only now is the new snapshot durable and the oldest kept one final: segments it covers may go.
      const deleted = data.retention === 'snapshot' ? trimJournalToSnapshots(data.dataDir) : [];
      const writeMs = Number(process.hrtime.bigint() - writeStartNs) / 1e6;
      this.snapshotSeq = snap.seq;
      this.writtenSeq = snap.seq;
      this.post({ type: 'written', seq: snap.seq, path, bytes: snap.body.length, encodeMs, writeMs, deleted,
        cpuMs: threadCpuMs(), heapUsedBytes: getHeapStatistics().used_heap_size, appliedCommands: this.appliedCommands });
    } catch (err) {
      // A failed snapshot costs a longer replay at the next start, nothing else; the next one is tried on schedule.
      this.writtenSeq = Math.max(this.writtenSeq, seq); // the request it served is answered (with a failure)
      this.snapshotSeq = seq;
      this.post({ type: 'failed', seq, message: err instanceof Error ? err.message : String(err) });
    }
  }

  private post(m: FromWorker): void { this.port.postMessage(m); }
}

function run(data: SnapshotWorkerData): void {
  if (data.nice !== 0) lowerThreadPriority(data.nice);
  new SnapshotReplica(data).wake();
}

/** Sets this thread's nice value: on Linux setpriority(PRIO_PROCESS, tid) applies to the one thread. Best effort. */
function lowerThreadPriority(nice: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (Number.isSafeInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch { /* not Linux, or not permitted: run at the process's priority */ }
}

/** CPU time of this thread (user + system) in ms, from /proc/thread-self/stat (Linux); -1 elsewhere. */
function threadCpuMs(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // after "pid (comm) ": state is field 3, utime 14 and stime 15 (1-based) → indices 11 and 12 here
    return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ = 100 on Linux
  } catch {
    return -1;
  }
}

if (parentPort !== null && workerData !== null && typeof workerData === 'object' && 'shared' in workerData) {
  // An error thrown here or in the loop ends the thread with an 'error' event in the gateway, which restarts it.
  run(workerData as SnapshotWorkerData);
}
