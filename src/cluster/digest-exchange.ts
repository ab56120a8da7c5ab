// Replicas compare their engines while they run: at every N-th seq each node hashes its engine's whole state
// (engineDigest) and publishes {node, seq, digest} on `<stream>.digests`; every node compares what it hears with its own
// digest at the same seq. Equal prefixes of the stream must give equal states, so a difference means a replica diverged
// (a bug, a different engine config, a corrupted snapshot): the node that sees it stops loudly rather than trade on a
// state the others do not share. With two nodes that disagree both stop; with more, every node that hears a digest
// unlike its own stops, so a node holding the majority's digest still stops if it compares with the odd one out: a
// divergence is a bug to look at, not something to vote away.
//
// Every second each node also says how far it has applied the stream, so the stream is never trimmed past a live
// replica that is behind (it would have to start again from a snapshot).
import { createHash } from 'node:crypto';
import type { Subscription } from '@nats-io/transport-node';
import type { ClusterConnection } from './connection.js';
import type { ClusterNames } from './names.js';

/** Seqs remembered for comparison (own and others'), newest kept. */
const SEQS_KEPT = 64;
const APPLIED_EVERY_MS = 1000;
/** A node not heard from for this long is taken for gone (no longer holding the trim back). Generous: a replica whose
 *  process was too busy to say so must not find its next record trimmed away. */
const APPLIED_FRESH_MS = 30_000;

export class ReplicaDivergedError extends Error { override name = 'ReplicaDivergedError'; }

export interface DigestExchangeOptions {
  nodeId: string;
  /** The seq this node's replica has applied. */
  appliedSeq?: () => number;
  /** Called once when this node's digest differs from another node's at the same seq. */
  onDiverged: (err: ReplicaDivergedError) => void;
}

export class DigestExchange {
  private readonly mine = new Map<number, string>();
  private readonly theirs = new Map<number, Map<string, string>>();
  private readonly subscription: Subscription;
  private diverged = false;
  private comparedSeq = 0;
  private comparisons = 0;
  private readonly agreedByNode = new Map<string, number>();
  private readonly appliedByNode = new Map<string, { seq: number; atMs: number }>();
  private readonly announcer: NodeJS.Timeout;

  constructor(private readonly conn: ClusterConnection, private readonly names: ClusterNames, private readonly opts: DigestExchangeOptions) {
    this.subscription = conn.nc.subscribe(names.digestSubject, { callback: (err, msg) => { if (err === null) this.heard(msg.data); } });
    this.announcer = setInterval(() => {
      if (opts.appliedSeq !== undefined && conn.up) conn.nc.publish(names.digestSubject, JSON.stringify({ node: opts.nodeId, applied: opts.appliedSeq() }));
    }, APPLIED_EVERY_MS);
    this.announcer.unref();
  }

  /** The lowest seq applied by the replicas heard from lately, this one included: the stream is kept above it. */
  slowestAppliedSeq(): number {
    const now = Date.now();
    let slowest = this.opts.appliedSeq?.() ?? Number.MAX_SAFE_INTEGER;
    for (const { seq, atMs } of this.appliedByNode.values()) if (now - atMs < APPLIED_FRESH_MS && seq < slowest) slowest = seq;
    return slowest;
  }

  /** The newest seq at which this node's digest matched another node's, and how many matches so far. */
  get agreed(): { seq: number; comparisons: number } { return { seq: this.comparedSeq, comparisons: this.comparisons }; }
  /** Per other node, the newest seq at which its digest matched this node's. */
  get agreedWith(): ReadonlyMap<string, number> { return this.agreedByNode; }

  /** This node's digest of its state at `seq`, as bytes of the canonical state (a snapshot's body) or a hex digest. */
  publish(seq: number, state: Buffer | string): string {
    const digest = typeof state === 'string' ? state : createHash('sha256').update(state).digest('hex');
    remember(this.mine, seq, digest);
    if (this.conn.up) this.conn.nc.publish(this.names.digestSubject, JSON.stringify({ node: this.opts.nodeId, seq, digest }));
    const others = this.theirs.get(seq);
    if (others !== undefined) for (const [node, d] of others) this.compare(seq, node, d);
    return digest;
  }

  close(): void {
    clearInterval(this.announcer);
    this.subscription.unsubscribe();
  }

  private heard(data: Uint8Array): void {
    let m: { node?: unknown; seq?: unknown; digest?: unknown; applied?: unknown };
    try { m = JSON.parse(Buffer.from(data).toString('utf8')); } catch { return; }
    if (typeof m.node !== 'string' || m.node === this.opts.nodeId) return;
    if (Number.isSafeInteger(m.applied)) {
      this.appliedByNode.set(m.node, { seq: m.applied as number, atMs: Date.now() });
      return;
    }
    if (!Number.isSafeInteger(m.seq) || typeof m.digest !== 'string') return;
    const seq = m.seq as number;
    let others = this.theirs.get(seq);
    if (others === undefined) remember(this.theirs, seq, others = new Map());
    others.set(m.node, m.digest);
    if (this.mine.has(seq)) this.compare(seq, m.node, m.digest);
  }

  private compare(seq: number, node: string, digest: string): void {
    const own = this.mine.get(seq)!;
    if (own === digest) {
      this.comparisons++;
      if (seq > this.comparedSeq) this.comparedSeq = seq;
      if (seq > (this.agreedByNode.get(node) ?? 0)) this.agreedByNode.set(node, seq);
      return;
    }
    if (this.diverged) return;
    this.diverged = true;
    this.opts.onDiverged(new ReplicaDivergedError(`replica diverged: at seq ${seq} node ${this.opts.nodeId} has engine digest ${own}, node ${node} has ${digest}`));
  }
}

function remember<V>(map: Map<number, V>, seq: number, value: V): void {
  map.set(seq, value);
  if (map.size > SEQS_KEPT) map.delete(map.keys().next().value!);
}
