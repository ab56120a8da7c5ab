// Engine snapshots in the JetStream object store, so a new or restarted node starts from the latest one plus the
// command stream's tail, and the stream can be trimmed below the oldest one kept. An object is named after the seq it
// covers and holds one line of JSON ({format, version, seq, timeMs}) and then the snapshot's bytes; the object store
// checks each object's SHA-256 digest when it is read back.
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { ClusterConnection } from './connection.js';
import type { JetStreamCommandLog } from './command-log.js';
import { clusterNames } from './names.js';
import type { ClusterSettings } from './settings.js';

const FORMAT = 'fixgw-cluster-snapshot';
const VERSION = 1;
const NAME = /^snapshot-(\d{16})$/;

export interface ClusterSnapshot {
  /** The last command the snapshot covers. */
  seq: number;
  /** The time the engine applied that command with (the next command's time is never before it). */
  timeMs: number;
  /** The engine snapshot (engine/snapshot.ts encodeSnapshot: header line and state). */
  bytes: Buffer;
}

export class SnapshotStore {
  private constructor(private readonly store: ObjectStore, private readonly kept: number) {}

  /** Opens (and on first use creates) the snapshot bucket with the cluster's replicas. */
  static async open(conn: ClusterConnection, settings: ClusterSettings): Promise<SnapshotStore> {
    const store = await new Objm(conn.js).create(clusterNames(settings.stream).snapshotBucket, { replicas: settings.replicas });
    return new SnapshotStore(store, settings.snapshotsKept);
  }

  /** Stores a snapshot, then deletes all but the newest `ClusterSnapshotsKept`. Equal seqs hold equal states: a second save of one seq replaces it. */
  async save(snapshot: ClusterSnapshot): Promise<void> {
    const head = Buffer.from(`${JSON.stringify({ format: FORMAT, version: VERSION, seq: snapshot.seq, timeMs: snapshot.timeMs })}\n`);
    await this.store.putBlob({ name: nameOf(snapshot.seq) }, Buffer.concat([head, snapshot.bytes]));
    const seqs = await this.seqs();
    for (const seq of seqs.slice(0, Math.max(0, seqs.length - this.kept))) await this.store.delete(nameOf(seq));
  }

  /** The seqs of the snapshots kept, oldest first. */
  async seqs(): Promise<number[]> {
    const infos = await this.store.list();
    return infos.flatMap((i) => {
      const m = i.deleted ? null : NAME.exec(i.name);
      return m === null ? [] : [Number(m[1])];
    }).sort((a, b) => a - b);
  }

  /** The newest snapshot that reads back whole (an unreadable one is named in `skipped`), or null when none does. */
  async latest(): Promise<{ snapshot: ClusterSnapshot | null; skipped: string[] }> {
    const skipped: string[] = [];
    for (const seq of (await this.seqs()).reverse()) {
      try {
        return { snapshot: await this.read(seq), skipped };
      } catch (err) {
        skipped.push(`${nameOf(seq)}: ${(err as Error).message}`);
      }
    }
    return { snapshot: null, skipped };
  }

  /** The snapshot covering `seq`; throws when it is missing or damaged. */
  async read(seq: number): Promise<ClusterSnapshot> {
    const data = await this.store.getBlob(nameOf(seq));
    if (data === null) throw new Error('not in the object store');
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const nl = buf.indexOf(10);
    let head: { format?: unknown; version?: unknown; seq?: unknown; timeMs?: unknown };
    try { head = JSON.parse(buf.toString('utf8', 0, nl < 0 ? 0 : nl)); } catch { throw new Error('no snapshot header line'); }
    if (head.format !== FORMAT || head.version !== VERSION) throw new Error(`format ${String(head.format)} version ${String(head.version)} is not ${FORMAT} ${VERSION}`);
    if (head.seq !== seq || !Number.isSafeInteger(head.timeMs)) throw new Error(`header seq ${String(head.seq)} / timeMs ${String(head.timeMs)} do not fit the name`);
    return { seq, timeMs: head.timeMs as number, bytes: buf.subarray(nl + 1) };
  }
}

/**
 * Trims the command stream below the oldest kept snapshot (its records are covered by every snapshot kept), so a node
 * can still start from the oldest if the newer ones are unreadable. Returns how many records went.
 */
export async function trimLogToSnapshots(log: JetStreamCommandLog, snapshots: SnapshotStore): Promise<number> {
  const [oldest] = await snapshots.seqs();
  return oldest === undefined ? 0 : log.trimBelow(oldest + 1);
}

function nameOf(seq: number): string {
  return `snapshot-${String(seq).padStart(16, '0')}`;
}
