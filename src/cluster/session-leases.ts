// Which node holds each FIX session: a lease per session in a JetStream KV bucket whose entries expire ClusterLeaseTtlMs
// after they were written. A node takes a lease with create (compare-and-set against "no entry"), renews it every quarter
// of the TTL with update (compare-and-set against its last revision), and gives it back with a delete. A node that dies
// stops renewing, and its leases are gone within the TTL (plus JetStream's expiry timer).
//
// A holder whose renewals have not succeeded for the TTL less a margin suspends the lease on its own, before JetStream
// could let anyone else take it: the session sends nothing while suspended. It keeps renewing: a renewal that then
// succeeds (its compare-and-set found the revision it last wrote, so no other node wrote the key meanwhile) makes the
// lease held again; one that finds another revision, or suspension for SUSPENDED_MAX_TTLS TTLs, loses it. So a NATS
// leader election of the lease bucket (seconds) pauses the sessions instead of disconnecting them.
//
// The revision a lease was taken at is its fence: it only grows across takeovers, and it is stamped on what the holder
// writes for the session, so a write from a holder that lost the lease is recognised as stale.
import { retryingTimeouts } from './streams.js';
import { Kvm, type KV } from '@nats-io/kv';
import { JetStreamApiError } from '@nats-io/jetstream';
import type { ClusterConnection } from './connection.js';
import { clusterNames, sessionToken } from './names.js';
import type { SessionId } from '../session/session-id.js';
import { ClusterSettingsError, type ClusterSettings } from './settings.js';

/** Taken (with its fence), or held by `holder` (node id) in process `origin` at `revision`. */
export type AcquireResult = { held: true; fence: number } | { held: false; holder: string; origin: string; revision: number };
export type LeaseLostListener = (session: SessionId, reason: string) => void;
/** held: serve the session; suspended: send nothing, the lease may come back; none: not this node's. */
export type LeaseState = 'held' | 'suspended' | 'none';

interface Lease { session: SessionId; key: string; value: Uint8Array; fence: number; revision: number; renewedAtMs: number; renewing: boolean; suspended: boolean }

/** How often held leases are checked against their deadline. */
const CHECK_MS = 100;
/** JetStream's "wrong last sequence": the compare-and-set found another revision. */
const WRONG_LAST_SEQUENCE = 10071;
/** A lease suspended this many TTLs (its renewals failing all along) is given up. */
const SUSPENDED_MAX_TTLS = 6;

export class SessionLeases {
  private readonly leases = new Map<string, Lease>();
  private readonly lostListeners: LeaseLostListener[] = [];
  private readonly suspendListeners: Array<(session: SessionId, suspended: boolean) => void> = [];
  private readonly renewTimer: NodeJS.Timeout;
  private readonly checkTimer: NodeJS.Timeout;
  private readonly marginMs: number;
  private readonly value: Uint8Array;

  private constructor(private readonly kv: KV, private readonly nodeId: string, private readonly origin: string, readonly ttlMs: number) {
    this.marginMs = Math.min(500, ttlMs / 4);
    this.value = new TextEncoder().encode(JSON.stringify({ node: nodeId, origin }));
    this.renewTimer = setInterval(() => this.renewAll(), ttlMs / 4);
    this.renewTimer.unref();
    // losing a lease is told within CHECK_MS of its local deadline, which is marginMs before JetStream could expire it
    this.checkTimer = setInterval(() => this.checkAll(), CHECK_MS);
    this.checkTimer.unref();
  }

  /** Opens (and on first use creates) the lease bucket; `origin` is this process (node id and incarnation). */
  static async open(conn: ClusterConnection, settings: ClusterSettings, origin: string): Promise<SessionLeases> {
    const name = clusterNames(settings.stream).leaseBucket;
    const kv = await retryingTimeouts(() => new Kvm(conn.js).create(name, { ttl: settings.leaseTtlMs, history: 1, replicas: settings.replicas }));
    // an existing bucket keeps its TTL: a node that counted on a longer one would serve a session after its lease expired
    const { ttl } = await kv.status();
    if (ttl !== settings.leaseTtlMs) {
      throw new ClusterSettingsError('ClusterLeaseTtlMs', `${settings.leaseTtlMs}, but bucket ${name} expires leases after ${ttl} ms: every node must use the same TTL`);
    }
    return new SessionLeases(kv, settings.nodeId, origin, settings.leaseTtlMs);
  }

  /** Called when a held lease is lost (taken by another node, or suspended too long): stop serving that session. */
  onLost(listener: LeaseLostListener): void { this.lostListeners.push(listener); }
  /** Called when a lease is suspended (not renewed in time) and when a renewal makes it held again. */
  onSuspended(listener: (session: SessionId, suspended: boolean) => void): void { this.suspendListeners.push(listener); }

  /** Takes the session's lease, or says which node holds it (the second Logon is then a duplicate logon). */
  async acquire(session: SessionId, attempts = 3): Promise<AcquireResult> {
    const key = sessionToken(session);
    const mine = this.leases.get(key);
    if (mine !== undefined) return { held: true, fence: mine.fence };
    const startedAtMs = performance.now();
    try {
      return this.took(session, key, await this.kv.create(key, this.value), startedAtMs);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE)) throw err;
    }
    const entry = await this.kv.get(key);
    // it expired or was given back between our create and get: try again
    if ((entry === null || entry.operation !== 'PUT') && attempts > 1) return this.acquire(session, attempts - 1);
    if (entry === null || entry.operation !== 'PUT') throw new Error(`lease of ${key}: the entry keeps changing; try again`);
    return { held: false, ...holderOf(entry.value), revision: entry.revision };
  }

  /**
   * Takes the lease from a holder that no longer answers (node-presence.ts), with a compare-and-set against the
   * revision it was seen at. Safe whether or not that holder is really gone: the fence grows, so whatever it writes
   * for the session from now on is refused (its sequence-number updates) or ignored (its messages after our marker).
   */
  async takeFrom(session: SessionId, revision: number): Promise<AcquireResult> {
    const key = sessionToken(session);
    const startedAtMs = performance.now();
    try {
      return this.took(session, key, await this.kv.update(key, this.value, revision), startedAtMs);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE)) throw err;
      return this.acquire(session); // it changed meanwhile: see who holds it now
    }
  }

  private took(session: SessionId, key: string, revision: number, startedAtMs: number): AcquireResult {
    this.leases.set(key, { session, key, value: this.value, fence: revision, revision, renewedAtMs: startedAtMs, renewing: false, suspended: false });
    return { held: true, fence: revision };
  }

  /** Whether this node holds the session's lease right now (taken, and renewed recently enough). */
  holds(session: SessionId): boolean {
    return this.state(session) === 'held';
  }

  state(session: SessionId): LeaseState {
    const lease = this.leases.get(sessionToken(session));
    return lease === undefined ? 'none' : this.valid(lease) ? 'held' : 'suspended';
  }

  /** Gives the lease back at once (the session logged out or the node shuts down); another node may take it. */
  async release(session: SessionId): Promise<void> {
    const lease = this.leases.get(sessionToken(session));
    if (lease === undefined) return;
    this.leases.delete(lease.key);
    await this.kv.delete(lease.key, { previousSeq: lease.revision }).catch(() => undefined); // it expires anyway
  }

  /** Stops renewing and gives every lease back. */
  async close(): Promise<void> {
    clearInterval(this.renewTimer);
    clearInterval(this.checkTimer);
    await Promise.all([...this.leases.values()].map((l) => this.release(l.session)));
  }

  private renewAll(): void {
    for (const lease of this.leases.values()) if (!lease.renewing) void this.renew(lease);
  }

  private checkAll(): void {
    const now = performance.now();
    for (const lease of this.leases.values()) {
      if (this.valid(lease)) continue;
      if (now - lease.renewedAtMs > SUSPENDED_MAX_TTLS * this.ttlMs) this.lose(lease, `not renewed for ${SUSPENDED_MAX_TTLS * this.ttlMs} ms`);
      else if (!lease.suspended) this.suspend(lease, true);
    }
  }

  private suspend(lease: Lease, suspended: boolean): void {
    lease.suspended = suspended;
    for (const l of this.suspendListeners) l(lease.session, suspended);
  }

  private valid(lease: Lease): boolean {
    return performance.now() - lease.renewedAtMs < this.ttlMs - this.marginMs;
  }

  private async renew(lease: Lease): Promise<void> {
    lease.renewing = true;
    const sentAtMs = performance.now();
    try {
      lease.revision = await this.kv.update(lease.key, lease.value, lease.revision, this.ttlMs / 2);
      lease.renewedAtMs = sentAtMs;
      if (lease.suspended && this.valid(lease)) this.suspend(lease, false); // no other node wrote the key meanwhile
      // declared lost while this renewal was on its way: give it back rather than block the session for a TTL
      if (this.leases.get(lease.key) !== lease) await this.kv.delete(lease.key, { previousSeq: lease.revision });
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE) this.lose(lease, 'taken by another node');
    } finally {
      lease.renewing = false;
    }
  }

  private lose(lease: Lease, reason: string): void {
    if (this.leases.get(lease.key) !== lease) return;
    this.leases.delete(lease.key);
    for (const l of this.lostListeners) l(lease.session, reason);
  }
}

function holderOf(value: Uint8Array): { holder: string; origin: string } {
  try {
    const v = JSON.parse(new TextDecoder().decode(value)) as { node?: unknown; origin?: unknown };
    return { holder: typeof v.node === 'string' ? v.node : 'another node', origin: typeof v.origin === 'string' ? v.origin : '' };
  } catch {
    return { holder: 'another node', origin: '' };
  }
}
