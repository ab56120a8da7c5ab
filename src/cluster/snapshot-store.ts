// Engine snapshots in the JetStream object store: the cluster's SnapshotStore (engine/snapshot.ts), so a new or
// restarted node starts from the latest one plus the command stream's tail, and the stream can be trimmed below the
// oldest one kept. An object holds the snapshot's bytes exactly as a local snapshot file does (encodeSnapshot; read
// back with decodeSnapshot), and is named after the seq it covers and the node that saved it: replicas may save the
// same seq at the same time (equal seqs hold equal states), and two writers of one object name can leave neither
// copy whole. The object store checks each object's SHA-256 digest when it is read back.
import { retryingTimeouts } from './streams.js';
import type { JetStreamManager } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { SnapshotStore } from '../engine/index.js';
import type { ClusterConnection } from './connection.js';
import type { JetStreamCommandLog } from './command-log.js';
import { clusterNames } from './names.js';
import type { ClusterSettings } from './settings.js';

const NAME = /^snapshot-(\d{16})-[A-Za-z0-9_-]+$/;

export class ObjectSnapshotStore implements SnapshotStore {
  private constructor(private readonly store: ObjectStore, private readonly jsm: JetStreamManager, readonly bucket: string, private readonly nodeId: string) {}

  /** Opens (and on first use creates) the snapshot bucket with the cluster's replicas. */
  static async open(conn: ClusterConnection, settings: ClusterSettings): Promise<ObjectSnapshotStore> {
    const bucket = clusterNames(settings.stream).snapshotBucket;
    return new ObjectSnapshotStore(await retryingTimeouts(() => new Objm(conn.js).create(bucket, { replicas: settings.replicas })), conn.jsm, bucket, settings.nodeId);
  }

  async save(seq: number, chunks: readonly Buffer[]): Promise<string> {
    const name = `${prefixOf(seq)}${this.nodeId}`;
    await this.store.putBlob({ name }, Buffer.concat(chunks));
    return `${this.bucket}/${name}`;
  }

  async seqs(): Promise<number[]> {
    return [...new Set((await this.names()).map((n) => n.seq))].sort((a, b) => a - b);
  }

  async latest(): Promise<{ seq: number; bytes: Buffer; where: string } | null> {
    const seq = (await this.seqs()).at(-1);
    return seq === undefined ? null : { seq, ...await this.read(seq) };
  }

  /** The bytes of a snapshot at `seq` (any replica's copy that reads back whole); throws when none does. */
  async read(seq: number): Promise<{ bytes: Buffer; where: string }> {
    const problems: string[] = [];
    for (const { name } of (await this.names()).filter((n) => n.seq === seq)) {
      try {
        const data = await this.store.getBlob(name);
        if (data !== null) return { bytes: Buffer.from(data.buffer, data.byteOffset, data.byteLength), where: `${this.bucket}/${name}` };
        problems.push(`${name}: gone`);
      } catch (err) {
        problems.push(`${name}: ${(err as Error).message}`);
      }
    }
    throw new Error(`${this.bucket}: no readable snapshot at seq ${seq}${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`);
  }

  /** Deletes all but the newest `kept` seqs. Only for one writer: replicas trimming at once use trimBelow. */
  async trim(kept: number): Promise<void> {
    const seqs = await this.seqs();
    await this.trimBelow(seqs[Math.max(0, seqs.length - kept)] ?? 0);
  }

  /** Deletes the snapshots below `seq`; returns the oldest seq kept. Replicas that trim at once with the same `seq`
   *  delete the same set whatever each one's listing showed ("all but the newest N" of a stale listing deletes too many). */
  async trimBelow(seq: number): Promise<number | undefined> {
    const names = await this.names();
    for (const n of names) if (n.seq < seq) await this.store.delete(n.name).catch(() => undefined); // another replica deleted it first
    return names.map((n) => n.seq).filter((s) => s >= seq).sort((a, b) => a - b)[0];
  }

  /** The snapshots held, from the object store stream's subjects at one moment (the client's list() can come back
   *  empty while another replica saves or deletes), each checked for a delete marker. */
  private async names(): Promise<Array<{ seq: number; name: string }>> {
    const prefix = `$O.${this.bucket}.M.`;
    const info = await this.jsm.streams.info(`OBJ_${this.bucket}`, { subjects_filter: `${prefix}>` });
    const out: Array<{ seq: number; name: string }> = [];
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const name = Buffer.from(subject.slice(prefix.length), 'base64url').toString('utf8');
      const m = NAME.exec(name);
      if (m === null) continue;
      const object = await this.store.info(name);
      if (object !== null && !object.deleted) out.push({ seq: Number(m[1]), name });
    }
    return out;
  }
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

function prefixOf(seq: number): string {
  return `snapshot-${String(seq).padStart(16, '0')}-`;
}
