// FIX session state in JetStream, per node: the session stream (outbound messages, one subject per session) and the
// sequence-number bucket, and the takeover that makes a session's local store match what JetStream holds before the
// session logs on here. The local store is the node's copy; JetStream is the truth: a takeover rebuilds the local copy
// from it (a message the local copy holds beyond JetStream never reached a socket, so dropping it loses nothing).
import { Kvm, type KV } from '@nats-io/kv';
import type { SessionId } from '../session/session-id.js';
import type { MessageStore } from '../session/store.js';
import type { ClusterConnection } from './connection.js';
import { clusterNames, sessionToken, type ClusterNames } from './names.js';
import { chunksOf, ReplicatedStore } from './replicated-store.js';
import { SessionChannel } from './session-channel.js';
import { readSessionMessages } from './session-history.js';
import { decodeSeqnums, encodeSeqnums, KvSeqnums, type SeqnumValue } from './session-seqnums.js';
import type { LeaseState } from './session-leases.js';
import type { ClusterSettings } from './settings.js';
import { ensureSessionStream, retryingTimeouts } from './streams.js';

/** Another node wrote the session's state while this one was taking it over: take it over again or give up. */
export class SessionTakeoverConflictError extends Error { override name = 'SessionTakeoverConflictError'; }

/** Messages read back from the local store per page while seeding JetStream. */
const SEED_PAGE = 1000;

export class SessionReplication {
  private constructor(private readonly conn: ClusterConnection, private readonly names: ClusterNames, private readonly kv: KV, private readonly settings: ClusterSettings) {}

  /** Opens (and on first use creates) the session stream and the sequence-number bucket. */
  static async open(conn: ClusterConnection, settings: ClusterSettings): Promise<SessionReplication> {
    const names = clusterNames(settings.stream);
    await ensureSessionStream(conn.jsm, names, { replicas: settings.replicas, duplicateWindowMs: settings.duplicateWindowMs });
    const kv = await retryingTimeouts(() => new Kvm(conn.js).create(names.seqnumBucket, { history: 1, replicas: settings.replicas }));
    return new SessionReplication(conn, names, kv, settings);
  }

  /**
   * Makes `local` hold exactly the session's replicated state, then returns the store the session uses from now on.
   * `fence` is the revision of the lease this node holds for the session (SessionLeases.acquire), `lease` its state
   * it still does (SessionLeases.holds): once not, the store makes nothing durable. A session JetStream has never seen
   * is seeded from `local` (moving a single-process gateway's sessions into a cluster keeps them).
   */
  async takeOver(session: SessionId, local: MessageStore, fence: number, lease: () => LeaseState = () => 'held'): Promise<ReplicatedStore> {
    const token = sessionToken(session);
    const channel = new SessionChannel(this.conn, `${this.names.sessionSubjectPrefix}.${token}`, fence, {
      publishTimeoutMs: this.settings.publishTimeoutMs, retryMs: this.settings.appendRetryMs,
    });
    const markerSeq = await channel.publishFenceMarker();
    const entry = await this.kv.get(token);
    let revision: number;
    if (entry === null || entry.operation !== 'PUT') {
      await seed(channel, local);
      revision = await this.write(token, () => this.kv.create(token, encodeSeqnums(valueOf(local, fence))));
    } else {
      const state = decodeSeqnums(entry.value);
      await this.rebuild(channel.subject, markerSeq, state, local);
      revision = await this.write(token, () => this.kv.update(token, encodeSeqnums(valueOf(local, fence)), entry.revision));
    }
    return new ReplicatedStore(local, channel, new KvSeqnums(this.kv, token, fence, revision, this.settings.appendRetryMs), lease);
  }

  /** Resets `local` to the replicated epoch and saves into it every current message up to the fence marker. */
  private async rebuild(subject: string, markerSeq: number, state: SeqnumValue, local: MessageStore): Promise<void> {
    local.reset(state.creationTimeMs);
    let lastSeq = 0;
    await readSessionMessages(this.conn, this.names.sessionStream, subject, markerSeq, state.creationTimeMs, this.settings.appendRetryMs, (seq, bytes) => {
      local.saveSent(seq, bytes);
      lastSeq = seq;
    });
    // a message stored is never behind the next sender seq (as FileStore keeps it after a crash)
    local.setNextSenderSeq(Math.max(state.sender, lastSeq + 1));
    local.setNextTargetSeq(state.target);
    local.flush();
  }

  private async write(token: string, op: () => Promise<number>): Promise<number> {
    try {
      return await op();
    } catch (err) {
      throw new SessionTakeoverConflictError(`session ${token}: its state changed during the takeover (${(err as Error).message})`, { cause: err });
    }
  }
}

function valueOf(local: MessageStore, fence: number): SeqnumValue {
  return { sender: local.nextSenderSeq, target: local.nextTargetSeq, creationTimeMs: local.creationTimeMs, fence, version: 0 };
}

/** Publishes every message of `local` (JetStream has nothing of this session yet). */
async function seed(channel: SessionChannel, local: MessageStore): Promise<void> {
  local.flush();
  for (let from = 1; from < local.nextSenderSeq;) {
    const page = local.readRange(from, local.nextSenderSeq - 1, SEED_PAGE);
    if (page.length === 0) break;
    for (const chunk of chunksOf(page)) await channel.publishMessages(chunk, local.creationTimeMs, `s:${chunk[0]!.seq}`);
    from = page[page.length - 1]!.seq + 1;
  }
}
