// Engine snapshots in the JetStream object store: the cluster's SnapshotStore (engine/snapshot.ts), so a new or
// restarted node starts from the latest one plus the command stream's tail, and the stream can be trimmed below the
// oldest one kept. An object is named after the seq it covers and holds the snapshot's bytes exactly as a local
// snapshot file does (encodeSnapshot; read back with decodeSnapshot); the object store checks each object's SHA-256
// digest when it is read back.
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { SnapshotStore } from '../engine/index.js';
import type { ClusterConnection } from './connection.js';
import type { JetStreamCommandLog } from './command-log.js';
import { clusterNames } from './names.js';
import type { ClusterSettings } from './settings.js';

const NAME = /^snapshot-(\d{16})$/;

export class ObjectSnapshotStore implements SnapshotStore {
  private constructor(private readonly store: ObjectStore, readonly bucket: string) {}

  /** Opens (and on first use creates) the snapshot bucket with the cluster's replicas. */
  static async open(conn: ClusterConnection, settings: ClusterSettings): Promise<ObjectSnapshotStore> {
    const bucket = clusterNames(settings.stream).snapshotBucket;
    return new ObjectSnapshotStore(await new Objm(conn.js).create(bucket, { replicas: settings.replicas }), bucket);
  }

  /** Equal seqs hold equal states on every node: a second save of one seq replaces the first with the same bytes. */
  async save(seq: number, chunks: readonly Buffer[]): Promise<string> {
    await this.store.putBlob({ name: nameOf(seq) }, Buffer.concat(chunks));
    return this.where(seq);
  }

  async seqs(): Promise<number[]> {
    const infos = await this.store.list();
    return infos.flatMap((i) => {
      const m = i.deleted ? null : NAME.exec(i.name);
      return m === null ? [] : [Number(m[1])];
    }).sort((a, b) => a - b);
  }

  async latest(): Promise<{ seq: number; bytes: Buffer; where: string } | null> {
    const seq = (await this.seqs()).at(-1);
    return seq === undefined ? null : { seq, bytes: await this.read(seq), where: this.where(seq) };
  }

  /** The bytes of the snapshot at `seq`; throws when it is missing or its digest does not match. */
  async read(seq: number): Promise<Buffer> {
    const data = await this.store.getBlob(nameOf(seq));
    if (data === null) throw new Error(`${this.where(seq)}: not in the object store`);
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  async trim(kept: number): Promise<void> {
    const seqs = await this.seqs();
    for (const seq of seqs.slice(0, Math.max(0, seqs.length - kept))) await this.store.delete(nameOf(seq));
  }

  /** Where a snapshot is, for messages: bucket/name. */
  where(seq: number): string { return `${this.bucket}/${nameOf(seq)}`; }
}

/**
 * Trims the command stream below the oldest kept snapshot (its records are covered by every snapshot kept), so a node
 * can still start from the oldest if the newer ones are unreadable. Returns the seq the stream now starts after.
 */
export async function trimLogToSnapshots(log: JetStreamCommandLog, snapshots: ObjectSnapshotStore): Promise<number> {
  const [oldest] = await snapshots.seqs();
  if (oldest === undefined) return 0;
  await log.trim(oldest);
  return oldest;
}

function nameOf(seq: number): string {
  return `snapshot-${String(seq).padStart(16, '0')}`;
}
