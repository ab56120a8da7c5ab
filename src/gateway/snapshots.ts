// Engine snapshots in the running gateway: every N journaled commands and on clean shutdown, so a restart
// replays the newest snapshot plus the journal tail instead of the whole journal.
// By default they are made OFF the event loop by a replica engine in a worker thread (snapshot-worker.ts) that tails
// the journal up to the seq the gateway has made durable (published in shared memory every PUBLISH_INTERVAL_MS: no
// per-command cost here) and writes each snapshot itself. If the worker dies it is restarted with backoff; after
// WORKER_FAILURES_MAX failures in a row without progress the gateway falls back to snapshots in-process.
// In-process (inline) mode, also used when SnapshotEveryCommands is 0 and for a snapshot while the worker is down:
// the state is captured synchronously between journal batches (encodeSnapshot: export + JSON, on the event loop, in
// time that grows with the orders held); the file is written asynchronously (temp file, fsync, rename, directory fsync).
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  encodeSnapshot, FileSnapshotStore, journalDirOf, snapshotDirOf, syncJournal, trimJournalToSnapshots,
  type CommandSequencer, type Engine, type JournalRetention, type SnapshotStore,
} from '../engine/index.js';
import type { FromWorker, SnapshotWorkerData, ToWorker } from './snapshot-worker.js';

export interface SnapshotterOptions {
  dataDir: string;
  engine: Engine;
  sequencer: CommandSequencer;
  /** Where in-process snapshots go; default the data directory's snapshots/ (the worker always writes there). */
  store?: SnapshotStore;
  /** Snapshot after this many commands since the last one; 0 = never on count. */
  everyCommands: number;
  kept: number;
  /** The journal is fdatasync'd per batch; when false, it is synced before a snapshot so it never ends before one. */
  journalFsync: boolean;
  log: Logger;
  /** Seq of the snapshot the engine was recovered from (0 = none). */
  recoveredSeq: number;
  /** 'snapshot': after each snapshot, delete the journal segments the oldest kept snapshot covers. Default 'all'. */
  retention?: JournalRetention;
  /** 'worker' (default): snapshots made by a replica engine in a worker thread; 'inline': on the event loop. */
  mode?: 'worker' | 'inline';
  /** Snapshot metrics (worker up, restarts, lag, last snapshot seq) are registered here when given. */
  registry?: Registry;
  /** Longest wait for a snapshot from the worker (snapshot() rejects; at shutdown it is written in-process instead),
   *  and for the worker to stop. Default 30 s. */
  workerTimeoutMs?: number;
  /** Test hook: the worker throws after applying this seq (its first start only). */
  workerCrashAfterSeq?: number;
  /** Test hook: the worker hangs after applying this seq (its first start only). */
  workerStallAfterSeq?: number;
  /** A worker that is behind and has applied nothing for this long is stuck: it is terminated and restarted. Default 60 s. */
  workerStuckMs?: number;
  /**
   * V8 old-generation limit of the worker's heap (resourceLimits.maxOldGenerationSizeMb); default V8's own. At least
   * WORKER_HEAP_MB_MIN: below it, Node 22 and later abort the whole process while the worker's isolate starts.
   */
  workerHeapMbMax?: number;
  /** Nice value of the worker thread (Linux), so the event loop wins the CPU from it; default 10, 0 = unchanged. */
  workerNice?: number;
  /** First restart delay after the worker dies (doubled per failure in a row). Default 500 ms. */
  workerRestartDelayMs?: number;
}

/** How often the durable seq is published to the worker. */
const PUBLISH_INTERVAL_MS = 20;
/** First restart delay after the worker dies; doubled per failure in a row, up to WORKER_RESTART_DELAY_MAX_MS. */
const WORKER_RESTART_DELAY_MS = 500;
const WORKER_RESTART_DELAY_MAX_MS = 30_000;
/** Worker failures in a row (no snapshot written, not caught up in between) before falling back to in-process. */
const WORKER_FAILURES_MAX = 5;
/**
 * Smallest worker heap limit. With 1 or 2 MB, Node 22, 24 and 26 die with "Fatal JavaScript out of memory: GC during
 * deserialization" while the worker's isolate is made, taking the gateway with them; with 3 MB and more the worker
 * fails alone (ERR_WORKER_OUT_OF_MEMORY), as it does on Node 20 even at 1 MB.
 */
export const WORKER_HEAP_MB_MIN = 4;
/** Longest wait for a snapshot from the worker, and for it to stop. */
const WORKER_TIMEOUT_MS = 30_000;
/** A worker behind the engine that has applied nothing for this long is terminated and restarted. */
const WORKER_STUCK_MS = 60_000;
/** snapshot() callers waiting for the worker at once. */
const WAITERS_MAX = 64;

interface Waiter { seq: number; resolve: (path: string) => void; reject: (err: Error) => void }

export class Snapshotter {
  /** Seq of the newest snapshot on disk that this process knows of. */
  lastSeq: number;
  /** Worker restarts after a failure (metrics). */
  workerRestarts = 0;
  private lastPath = '';
  private readonly inline: InlineSnapshots;
  private mode: 'worker' | 'inline';
  private worker: Worker | null = null;
  private workerUp = false;
  private workerExited: Promise<void> = Promise.resolve();
  private failuresInRow = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private publishTimer: NodeJS.Timeout | null = null;
  private readonly shared = new BigInt64Array(new SharedArrayBuffer(16));
  private waiters: Waiter[] = [];
  private closing = false;
  private crashHook: number | undefined;
  private stallHook: number | undefined;
  private watchdogTimer: NodeJS.Timeout | null = null;
  /** The worker's applied seq when the watchdog last saw it move, and when. */
  private watchedSeq = -1;
  private watchedSinceMs = 0;

  constructor(private readonly o: SnapshotterOptions) {
    if (o.workerHeapMbMax !== undefined && !(o.workerHeapMbMax >= WORKER_HEAP_MB_MIN)) {
      throw new RangeError(`workerHeapMbMax ${o.workerHeapMbMax} is below ${WORKER_HEAP_MB_MIN} MB, the least a worker can start with`);
    }
    this.lastSeq = o.recoveredSeq;
    this.crashHook = o.workerCrashAfterSeq;
    this.stallHook = o.workerStallAfterSeq;
    // Without periodic snapshots a second engine copy buys nothing: shutdown snapshots are taken in-process.
    this.mode = (o.mode ?? 'worker') === 'worker' && o.everyCommands > 0 ? 'worker' : 'inline';
    this.inline = new InlineSnapshots(o, this.mode === 'inline' ? o.everyCommands : 0,
      () => ({ seq: this.lastSeq, path: this.lastPath }), (seq, path) => this.noteWritten(seq, path));
    if (o.registry !== undefined) this.registerMetrics(o.registry);
    if (this.mode === 'worker') {
      this.publish();
      this.startWorker();
      this.publishTimer = setInterval(() => this.publish(), PUBLISH_INTERVAL_MS);
      this.publishTimer.unref();
      const stuckMs = o.workerStuckMs ?? WORKER_STUCK_MS;
      this.watchdogTimer = setInterval(() => this.watchdog(stuckMs), Math.max(50, Math.min(5_000, stuckMs / 4)));
      this.watchdogTimer.unref();
    }
  }

  /** True while a snapshot worker is running (false in inline mode and between a worker's death and its restart). */
  get workerRunning(): boolean { return this.workerUp; }
  /** Commands the worker's replica is behind the gateway's engine (0 without a worker). */
  get workerLagCommands(): number {
    return this.workerUp ? Math.max(0, this.o.sequencer.lastAppliedSeq - Number(Atomics.load(this.shared, 1))) : 0;
  }

  /** For /health: how snapshots are made now, and how far they are. */
  status(): { mode: 'worker' | 'inline'; workerRunning: boolean; workerLagCommands: number; lastSnapshotSeq: number } {
    return { mode: this.mode, workerRunning: this.workerUp, workerLagCommands: this.workerLagCommands, lastSnapshotSeq: this.lastSeq };
  }

  /** Writes a snapshot at or after the current applied seq; resolves to its path. */
  async snapshot(): Promise<string> {
    if (this.mode === 'inline' || !this.workerUp) return this.inline.snapshot();
    const seq = this.o.sequencer.lastAppliedSeq;
    if (this.lastSeq >= seq && this.lastPath !== '') return this.lastPath;
    if (this.waiters.length >= WAITERS_MAX) throw new Error(`more than ${WAITERS_MAX} snapshot requests waiting`);
    const timeoutMs = this.o.workerTimeoutMs ?? WORKER_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<string>((resolve, reject) => {
      const waiter: Waiter = { seq, resolve, reject };
      this.waiters.push(waiter);
      timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no snapshot at seq ${seq} from the snapshot worker within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    this.publish();
    this.post({ type: 'snapshot', seq });
    try { return await done; } finally { clearTimeout(timer); }
  }

  /**
   * Stops periodic snapshots; with `snapshot`, first writes one of the final state (by the worker, bounded by
   * workerTimeoutMs, else in-process). Then ends the worker (letting a write in progress finish).
   */
  async close(options: { snapshot: boolean }): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.publishTimer !== null) clearInterval(this.publishTimer);
    if (this.watchdogTimer !== null) clearInterval(this.watchdogTimer);
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.publish();
    if (options.snapshot && this.workerUp) {
      try {
        await this.snapshot();
        options = { snapshot: false };
      } catch (err) {
        this.o.log.warn({ err }, 'shutdown snapshot by the worker failed: writing it in-process');
      }
    }
    await this.stopWorker();
    await this.inline.stop();
    if (options.snapshot) await this.inline.snapshot().catch(() => undefined);
  }

  private noteWritten(seq: number, path: string): void {
    if (seq >= this.lastSeq) {
      this.lastSeq = seq;
      this.lastPath = path;
    }
  }

  /** Tells the worker how far the journal is durable (and applied here). */
  private publish(): void {
    Atomics.store(this.shared, 0, BigInt(this.o.sequencer.lastAppliedSeq));
  }

  private post(m: ToWorker): void {
    try { this.worker?.postMessage(m); } catch (err) { this.o.log.error({ err }, 'could not message the snapshot worker'); }
  }

  private startWorker(): void {
    const o = this.o;
    const config = o.engine.config;
    const data: SnapshotWorkerData = {
      dataDir: o.dataDir, config: { file: config.file, source: config.source, hash: config.hash },
      everyCommands: o.everyCommands, kept: o.kept, journalFsync: o.journalFsync, retention: o.retention ?? 'all', nice: o.workerNice ?? 10,
      shared: this.shared.buffer as SharedArrayBuffer,
      ...(this.crashHook !== undefined ? { crashAfterSeq: this.crashHook } : {}),
      ...(this.stallHook !== undefined ? { stallAfterSeq: this.stallHook } : {}),
    };
    this.crashHook = undefined;
    this.stallHook = undefined;
    this.watchedSeq = -1;
    Atomics.store(this.shared, 1, 0n);
    const worker = new Worker(new URL('./snapshot-worker.js', import.meta.url), {
      workerData: data, stdout: false, stderr: false,
      ...(o.workerHeapMbMax !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: o.workerHeapMbMax } } : {}),
    });
    this.worker = worker;
    this.workerUp = true;
    let failed: Error | null = null;
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => { failed = err; });
    this.workerExited = new Promise((resolve) => worker.once('exit', (code) => {
      if (this.worker === worker) { this.worker = null; this.workerUp = false; }
      resolve();
      if (this.closing && failed === null) return;
      this.onWorkerDied(failed ?? new Error(`snapshot worker exited with code ${code}`));
    }));
  }

  private onMessage(m: FromWorker): void {
    const log = this.o.log;
    switch (m.type) {
      case 'caughtUp':
        this.failuresInRow = 0;
        log.info({ seq: m.seq, fromSnapshotSeq: m.snapshotSeq, replayedCommands: m.replayed, ms: round(m.ms) }, 'snapshot worker caught up');
        break;
      case 'written': {
        this.failuresInRow = 0;
        this.noteWritten(m.seq, m.path);
        if (m.deleted.length > 0) log.info({ deleted: m.deleted }, 'journal segments deleted (JournalRetention=snapshot)');
        log.info({ seq: m.seq, bytes: m.bytes, encodeMs: round(m.encodeMs), writeMs: round(m.writeMs), path: m.path,
          workerCpuMs: m.cpuMs, workerHeapBytes: m.heapUsedBytes, by: 'worker' }, 'snapshot written');
        this.settle(m.seq, (w) => w.resolve(m.path));
        break;
      }
      case 'failed':
        log.error({ seq: m.seq, err: m.message }, 'snapshot failed');
        this.settle(m.seq, (w) => w.reject(new Error(`snapshot at seq ${m.seq} failed: ${m.message}`)));
        break;
    }
  }

  /**
   * A worker that is behind the engine and has applied nothing for `stuckMs` (a hang, not a crash: a crash ends the
   * thread and is restarted by the exit handler) is terminated; the exit handler then restarts it like a crash.
   */
  private watchdog(stuckMs: number): void {
    const worker = this.worker;
    if (worker === null || !this.workerUp || this.closing) return;
    const workerSeq = Number(Atomics.load(this.shared, 1));
    const now = Date.now();
    if (workerSeq !== this.watchedSeq || this.o.sequencer.lastAppliedSeq <= workerSeq) {
      this.watchedSeq = workerSeq;
      this.watchedSinceMs = now;
      return;
    }
    if (now - this.watchedSinceMs < stuckMs) return;
    this.o.log.error({ workerSeq, engineSeq: this.o.sequencer.lastAppliedSeq, stuckMs: now - this.watchedSinceMs },
      'snapshot worker stuck: terminating it');
    this.watchedSeq = -1;
    void worker.terminate();
  }

  /** Settles the waiters a snapshot at `seq` answers. */
  private settle(seq: number, fn: (w: Waiter) => void): void {
    const still: Waiter[] = [];
    for (const w of this.waiters) if (w.seq <= seq) fn(w); else still.push(w);
    this.waiters = still;
  }

  private onWorkerDied(err: Error): void {
    const log = this.o.log;
    this.failuresInRow++;
    // Whoever waits for a snapshot gets one from this thread: the state here is at or after what they asked for.
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) this.inline.snapshot().then(w.resolve, w.reject);
    if (this.closing) {
      log.error({ err }, 'snapshot worker failed while shutting down');
      return;
    }
    if (this.failuresInRow >= WORKER_FAILURES_MAX) {
      log.error({ err, failuresInRow: this.failuresInRow }, 'snapshot worker keeps failing: snapshots are written in-process from now on');
      this.mode = 'inline';
      this.inline.startPeriodic(this.o.everyCommands);
      if (this.publishTimer !== null) clearInterval(this.publishTimer);
    if (this.watchdogTimer !== null) clearInterval(this.watchdogTimer);
      return;
    }
    const delayMs = Math.min(WORKER_RESTART_DELAY_MAX_MS, (this.o.workerRestartDelayMs ?? WORKER_RESTART_DELAY_MS) * 2 ** (this.failuresInRow - 1));
    log.error({ err, restartInMs: delayMs, failuresInRow: this.failuresInRow }, 'snapshot worker failed: restarting it');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.closing) return;
      this.workerRestarts++;
      try { this.startWorker(); } catch (e) { this.onWorkerDied(e instanceof Error ? e : new Error(String(e))); }
    }, delayMs);
    this.restartTimer.unref();
  }

  /** Asks the worker to finish (a write in progress completes) and waits; terminates it after shutdownTimeoutMs. */
  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    if (worker === null) return;
    this.post({ type: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.workerExited.then(() => false),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), this.o.workerTimeoutMs ?? WORKER_TIMEOUT_MS); }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.o.log.warn('snapshot worker did not stop in time: terminating it');
      await worker.terminate();
    }
  }

  private registerMetrics(registry: Registry): void {
    const registers = [registry];
    const self = this;
    new Gauge({
      name: 'fixgw_snapshot_last_seq', help: 'Seq of the newest engine snapshot on disk', registers,
      collect() { this.set(self.lastSeq); },
    });
    new Gauge({
      name: 'fixgw_snapshot_worker_up', help: '1 while the snapshot worker thread runs, 0 when it is down or snapshots are made in-process', registers,
      collect() { this.set(self.workerUp ? 1 : 0); },
    });
    new Gauge({
      name: 'fixgw_snapshot_worker_lag_commands', help: 'Commands the snapshot worker replica is behind the engine', registers,
      collect() { this.set(self.workerLagCommands); },
    });
    new Counter({
      name: 'fixgw_snapshot_worker_restarts_total', help: 'Snapshot worker restarts after a failure', registers,
      collect() { this.reset(); this.inc(self.workerRestarts); },
    });
  }
}

/** Snapshots made on the gateway's own event loop (the fallback, and the mode without a worker). */
class InlineSnapshots {
  private writing: Promise<string> | null = null;
  /** Under journalFsync false: the journal is known durable up to this seq (synced before the last snapshot). */
  private journalSyncedSeq: number;
  private stopped = false;
  private unsubscribe: () => void = () => undefined;

  /** `last`: the newest snapshot on disk (whoever wrote it); `onWritten` is told of each one written here. */
  constructor(private readonly o: SnapshotterOptions, everyCommands: number, private readonly last: () => { seq: number; path: string },
    private readonly onWritten: (seq: number, path: string) => void) {
    this.journalSyncedSeq = o.recoveredSeq;
    this.startPeriodic(everyCommands);
  }

  /** Snapshots every `everyCommands` commands from now on (0 = none). */
  startPeriodic(everyCommands: number): void {
    if (everyCommands <= 0 || this.stopped) return;
    this.unsubscribe = this.o.sequencer.onEvents((sc) => {
      if (this.writing === null && !this.stopped && sc.seq - this.last().seq >= everyCommands) {
        // After the listeners of this batch have run: the state is then exactly that of engine.lastSeq.
        this.track(new Promise((resolve) => setImmediate(resolve)).then(() => this.write()));
      }
    });
  }

  /** Writes a snapshot of the current state (after any one in progress); resolves to its path. */
  async snapshot(): Promise<string> {
    while (this.writing !== null) await this.writing.catch(() => undefined);
    return this.track(this.write());
  }

  /** At most one snapshot is being written at any time: `writing` is it. */
  private track(p: Promise<string>): Promise<string> {
    const w: Promise<string> = p.finally(() => { if (this.writing === w) this.writing = null; });
    this.writing = w;
    w.catch(() => undefined);
    return w;
  }

  /** Stops periodic snapshots and waits for one in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    while (this.writing !== null) await this.writing.catch(() => undefined);
  }

  private async write(): Promise<string> {
    const { engine, log } = this.o;
    try {
      const last = this.last();
      if (engine.lastSeq === last.seq && last.path !== '') return last.path;
      const encodeStartNs = process.hrtime.bigint();
      const snap = encodeSnapshot(engine);
      const encodeMs = Number(process.hrtime.bigint() - encodeStartNs) / 1e6;
      const writeStartNs = process.hrtime.bigint();
      // The journal must hold every command the snapshot includes, also after a power loss.
      if (!this.o.journalFsync) {
        await syncJournal(journalDirOf(this.o.dataDir), this.journalSyncedSeq + 1);
        this.journalSyncedSeq = snap.seq;
      }
      const store = this.o.store ?? new FileSnapshotStore(snapshotDirOf(this.o.dataDir));
      const path = await store.save(snap.seq, snap.chunks);
      await store.trim(this.o.kept);
      // Only now is the new snapshot durable and the oldest kept one final: segments it covers may go.
      if (this.o.retention === 'snapshot') {
        const deleted = trimJournalToSnapshots(this.o.dataDir);
        if (deleted.length > 0) log.info({ deleted }, 'journal segments deleted (JournalRetention=snapshot)');
      }
      const writeMs = Number(process.hrtime.bigint() - writeStartNs) / 1e6;
      this.onWritten(snap.seq, path);
      log.info({ seq: snap.seq, bytes: snap.body.length, encodeMs: round(encodeMs), writeMs: round(writeMs), path, by: 'gateway' }, 'snapshot written');
      return path;
    } catch (err) {
      // A failed snapshot costs a longer replay at the next start, nothing else: the journal is the record.
      log.error({ err }, 'snapshot failed');
      throw err;
    }
  }
}

function round(ms: number): number { return Math.round(ms * 10) / 10; }
