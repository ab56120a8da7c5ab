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
  buildEngineConfig, encodeSnapshot, Engine, importEngineState, journalDirOf, readLatestSnapshot, snapshotDirOf, syncJournal,
  trimJournalToSnapshots, writeEncodedSnapshot, type EngineConfigFile, type JournalRetention,
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
 *  meanwhile, in one go): every 10 ms, at 1 session × window 1, those wake-ups on the client's core cost the 1×1 p99
 *  about 100-200 µs against 100 ms (bench:e2e, 8 runs each); 50-250 ms measured alike. */
const IDLE_POLL_MS = 100;

function run(data: SnapshotWorkerData): void {
  const port = parentPort!;
  if (data.nice !== 0) lowerThreadPriority(data.nice);
  const config = buildEngineConfig(data.config.file, data.config.source);
  if (config.hash !== data.config.hash) throw new Error(`snapshot worker: engine config hash ${config.hash} differs from the gateway's ${data.config.hash}`);
  const shared = new BigInt64Array(data.shared);
  const startMs = performance.now();
  const snapDir = snapshotDirOf(data.dataDir);
  const journalDir = journalDirOf(data.dataDir);
  const latest = readLatestSnapshot(snapDir);
  const engine = latest === null ? new Engine(config) : importEngineState(config, latest.state);
  const tail = new JournalTail(journalDir, engine.lastSeq);
  /** Newest snapshot on disk (the one started from, then each one written). */
  let snapshotSeq = latest?.seq ?? 0;
  /** A snapshot of a state at or after this seq is wanted (-1 = none): requests and shutdown. */
  let requestedSeq = -1;
  /** Seq of the newest snapshot this worker wrote (-1 = none). */
  let writtenSeq = -1;
  let journalSyncedSeq = engine.lastSeq;
  let appliedCommands = 0;
  let caughtUp = false;
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let running = false;

  port.on('message', (m: ToWorker) => {
    if (m.type === 'snapshot') requestedSeq = Math.max(requestedSeq, m.seq);
    else stopping = true;
    wake();
  });

  const apply = (sc: Parameters<Engine['apply']>[0]): void => {
    if (sc.seq !== engine.lastSeq + 1) throw new Error(`invariant: journal record seq ${sc.seq} after engine seq ${engine.lastSeq}`);
    engine.apply(sc);
    appliedCommands++;
    if (data.crashAfterSeq !== undefined && data.crashAfterSeq > 0 && sc.seq === data.crashAfterSeq) {
      throw new Error(`snapshot worker: crash requested after seq ${sc.seq} (test hook)`);
    }
    if (data.stallAfterSeq !== undefined && data.stallAfterSeq > 0 && sc.seq === data.stallAfterSeq) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // never woken: only terminate() ends it
    }
  };

  const writeSnapshot = async (): Promise<void> => {
    const seq = engine.lastSeq;
    try {
      const encodeStartNs = process.hrtime.bigint();
      const snap = encodeSnapshot(engine);
      const encodeMs = Number(process.hrtime.bigint() - encodeStartNs) / 1e6;
      const writeStartNs = process.hrtime.bigint();
      // The journal must hold every command the snapshot includes, also after a power loss.
      if (!data.journalFsync) {
        await syncJournal(journalDir, journalSyncedSeq + 1);
        journalSyncedSeq = snap.seq;
      }
      const path = await writeEncodedSnapshot(snapDir, snap, data.kept);
      // Only now is the new snapshot durable and the oldest kept one final: segments it covers may go.
      const deleted = data.retention === 'snapshot' ? trimJournalToSnapshots(data.dataDir) : [];
      const writeMs = Number(process.hrtime.bigint() - writeStartNs) / 1e6;
      snapshotSeq = snap.seq;
      writtenSeq = snap.seq;
      port.postMessage({ type: 'written', seq: snap.seq, path, bytes: snap.body.length, encodeMs, writeMs, deleted,
        cpuMs: threadCpuMs(), heapUsedBytes: getHeapStatistics().used_heap_size, appliedCommands } satisfies FromWorker);
    } catch (err) {
      // A failed snapshot costs a longer replay at the next start, nothing else; the next one is tried on schedule.
      writtenSeq = Math.max(writtenSeq, seq); // the request it served is answered (with a failure)
      snapshotSeq = seq;
      port.postMessage({ type: 'failed', seq, message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
    }
  };

  /** One round: apply what is durable (in bounded chunks, stopping at the periodic snapshot point), write snapshots due. */
  const step = async (): Promise<boolean> => {
    const durableSeq = Number(Atomics.load(shared, 0));
    let progressed = false;
    if (engine.lastSeq < durableSeq) {
      const dueSeq = data.everyCommands > 0 ? snapshotSeq + data.everyCommands : Number.MAX_SAFE_INTEGER;
      const upTo = Math.min(durableSeq, Math.max(dueSeq, engine.lastSeq + 1));
      progressed = tail.read(upTo, APPLY_CHUNK_RECORDS, apply) > 0;
      Atomics.store(shared, 1, BigInt(engine.lastSeq));
    }
    if (!caughtUp && engine.lastSeq >= durableSeq) {
      caughtUp = true;
      port.postMessage({ type: 'caughtUp', seq: engine.lastSeq, snapshotSeq: latest?.seq ?? 0, replayed: appliedCommands,
        ms: performance.now() - startMs } satisfies FromWorker);
    }
    const periodicDue = data.everyCommands > 0 && engine.lastSeq - snapshotSeq >= data.everyCommands;
    const requestDue = requestedSeq >= 0 && writtenSeq < requestedSeq && engine.lastSeq >= requestedSeq;
    if (periodicDue || requestDue) {
      await writeSnapshot();
      progressed = true;
    }
    return progressed;
  };

  const wake = (): void => {
    if (timer !== null) { clearTimeout(timer); timer = null; }
    if (!running) void loop();
  };

  const loop = async (): Promise<void> => {
    running = true;
    try {
      for (;;) {
        const progressed = await step();
        if (stopping && !(requestedSeq >= 0 && writtenSeq < requestedSeq)) break;
        if (!progressed) break;
        await new Promise((resolve) => setImmediate(resolve)); // let messages in between chunks
      }
    } finally {
      running = false;
    }
    if (stopping && !(requestedSeq >= 0 && writtenSeq < requestedSeq)) {
      tail.close();
      port.close();
      return;
    }
    timer = setTimeout(wake, IDLE_POLL_MS);
  };

  wake();
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
