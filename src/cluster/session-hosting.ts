// Which FIX sessions this node hosts (gateway/hosting.ts, cluster mode): a session is hosted here from a takeover
// before its Logon is answered until the client leaves (or the lease is lost). A takeover takes the session's lease
// (from a holder process that no longer answers, at once; while the holder answers, the Logon is a duplicate logon),
// rebuilds the local copy of its store from JetStream, switches the session onto the replicated store, and
// sends the reports the client has not got (report-tail.ts). Giving a session up waits for its last replies (the
// cancel-on-disconnect) to be stored, then hands the lease back.
import type { Logger } from 'pino';
import type { Dictionary } from '../fix/dictionary.js';
import type { FixMessage } from '../fix/message.js';
import type { SessionHosting } from '../gateway/hosting.js';
import type { Session } from '../session/session.js';
import type { SessionId } from '../session/session-id.js';
import { sessionKey } from '../session/session-id.js';
import type { MessageStore } from '../session/store.js';
import { HostedStore } from './hosted-store.js';
import { fixDedupeId } from './names.js';
import type { NodePresence } from './node-presence.js';
import type { ReportTail } from './report-tail.js';
import type { AcquireResult, SessionLeases } from './session-leases.js';
import type { SessionReplication } from './session-replication.js';

/** How long a lease holder has to answer before it counts as gone. */
const HOLDER_ANSWER_MS = 1000;
/** A hosted session whose connection ended without a Logout is given up after this long. */
const IDLE_RELEASE_MS = 3000;

export interface HostingOptions {
  leases: SessionLeases;
  presence: NodePresence;
  replication: SessionReplication;
  tail: ReportTail;
  dictionary: Dictionary;
  leaseTtlMs: number;
  /** Resolves once every command submitted so far is applied (and its replies stored). */
  flush: () => Promise<void>;
  isDropCopy: (session: Session) => boolean;
  log: Logger;
  onLeaseLost?: () => void;
}

interface Hosted { session: Session; store: HostedStore; idleSinceMs: number }

export class ClusterHosting implements SessionHosting {
  private readonly stores = new Map<string, HostedStore>();
  private readonly hosted = new Map<string, Hosted>();
  private readonly releasing = new Map<string, Promise<void>>();
  /** Sessions a takeover is under way for: a second Logon meanwhile is refused. */
  private readonly taking = new Set<string>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly o: HostingOptions) {
    o.leases.onLost((id, reason) => this.lost(id, reason));
    o.leases.onSuspended((id, suspended) => {
      const hosted = this.hosted.get(sessionKey(id));
      if (hosted === undefined) return;
      o.log.warn({ session: hosted.session.key }, suspended ? 'session lease not renewed in time: the session sends nothing until it is' : 'session lease renewed: the session resumes');
      if (!suspended) hosted.store.hosted?.leaseResumed();
    });
    this.sweeper = setInterval(() => this.sweep(), 1000);
    this.sweeper.unref();
  }

  /** Sessions hosted here now. */
  get count(): number { return this.hosted.size; }

  /** The acceptor's openStore in cluster mode: the session's local copy behind a store the takeover can switch. */
  openStore(id: SessionId, local: MessageStore): MessageStore {
    const store = new HostedStore(local);
    this.stores.set(sessionKey(id), store);
    return store;
  }

  readonly hosts = (key: string): boolean => this.hosted.has(key);

  readonly dedupeId = (session: Session, msg: FixMessage): string => fixDedupeId(session.id, session.creationTimeMs, msg.seqNum ?? 0);

  readonly takeOver = async (session: Session): Promise<string | undefined> => {
    if (this.taking.has(session.key)) return `Logon refused: session ${session.key} is logging on already`;
    this.taking.add(session.key);
    try {
      return await this.takeOverOnce(session);
    } finally {
      this.taking.delete(session.key);
    }
  };

  private async takeOverOnce(session: Session): Promise<string | undefined> {
    await this.releasing.get(session.key);
    if (this.hosted.has(session.key)) return undefined; // back on the node that hosts it: nothing to take over
    const store = this.stores.get(session.key);
    if (store === undefined) throw new Error(`invariant: ${session.key} has no hosted store`);
    const lease = await this.acquire(session);
    if (!lease.held) return `Duplicate logon: session ${session.key} is held by node ${lease.holder}`;
    try {
      const replicated = await this.o.replication.takeOver(session.id, store.local, lease.fence, () => this.o.leases.state(session.id));
      store.adopt(replicated);
      session.storeRebuilt();
      this.hosted.set(session.key, { session, store, idleSinceMs: Date.now() });
      const missed = this.o.isDropCopy(session) ? 0 : this.o.tail.sendMissed(session, this.o.dictionary);
      this.o.log.info({ session: session.key, fence: lease.fence, nextSenderSeq: session.nextSenderSeq, nextTargetSeq: session.nextTargetSeq, reportsMissed: missed },
        'session taken over');
      return undefined;
    } catch (err) {
      store.retire();
      await this.o.leases.release(session.id);
      throw err;
    }
  }

  readonly released = (session: Session): void => {
    const hosted = this.hosted.get(session.key);
    if (hosted === undefined || this.releasing.has(session.key)) return;
    const done = this.giveUp(hosted).finally(() => this.releasing.delete(session.key));
    this.releasing.set(session.key, done);
  };

  /** Gives every session up (the node is shutting down). */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const h of this.hosted.values()) this.released(h.session);
    await Promise.all(this.releasing.values());
    await this.o.leases.close();
  }

  /** The lease, taken from its holder when that process no longer answers. */
  private async acquire(session: Session): Promise<AcquireResult> {
    let lease = await this.o.leases.acquire(session.id);
    for (let attempt = 0; !lease.held && attempt < 3; attempt++) {
      if (await this.o.presence.answers(lease.origin, HOLDER_ANSWER_MS)) return lease;
      this.o.log.warn({ session: session.key, holder: lease.holder, origin: lease.origin }, 'the session\'s lease holder does not answer: taking the session from it');
      lease = await this.o.leases.takeFrom(session.id, lease.revision);
    }
    return lease;
  }

  /** The session's last replies (its cancel-on-disconnect) stored and durable, then the lease back. */
  private async giveUp(hosted: Hosted): Promise<void> {
    const { session, store } = hosted;
    try {
      await this.o.flush();
      store.flush();
      await store.whenDurable();
    } catch (err) {
      this.o.log.warn({ session: session.key, err }, 'giving a session up before its last replies were replicated');
    }
    if (this.hosted.get(session.key) !== hosted || session.isConnected) return; // lost meanwhile, or back
    this.hosted.delete(session.key);
    store.retire();
    await this.o.leases.release(session.id);
    this.o.log.info({ session: session.key }, 'session given up');
  }

  private lost(id: SessionId, reason: string): void {
    const key = sessionKey(id);
    const hosted = this.hosted.get(key);
    if (hosted === undefined) return;
    this.hosted.delete(key);
    hosted.store.retire();
    this.o.onLeaseLost?.();
    this.o.log.error({ session: key, reason }, 'session lease lost: disconnecting the session');
    if (hosted.session.isConnected) hosted.session.disconnect(`session lease lost (${reason})`);
  }

  /** A session hosted here whose client is gone (a Logon that never completed, a dropped connection) is given up. */
  private sweep(): void {
    const now = Date.now();
    for (const h of this.hosted.values()) {
      if (h.session.isConnected) h.idleSinceMs = now;
      else if (now - h.idleSinceMs > IDLE_RELEASE_MS) this.released(h.session);
    }
  }
}
