// Cluster settings: the QuickFIX-style keys (usually in [DEFAULT] of the gateway .cfg) that turn cluster mode on and
// shape it, parsed once into a typed ClusterSettings. CLUSTER_KEYS is the table the .cfg parser validates them with
// (the gateway adds it to its own keys); parseClusterSettings reads the validated strings back into types and checks
// what one key alone cannot (the retry window inside the duplicate window, the node id's characters).
import type { KeySpec } from '../session/settings.js';

export const CLUSTER_KEYS = {
  /** NATS servers, comma-separated (nats://host:port). Set = cluster mode; unset = the single-process journal. */
  ClusterNatsUrls: { kind: 'list' },
  /** This node's name, unique in the cluster: [A-Za-z0-9_-], at most 32 characters. Required in cluster mode. */
  ClusterNodeId: { kind: 'string' },
  /** Copies JetStream keeps of the command stream, session state and snapshots: 1 (test) or 3 (quorum of 2). */
  ClusterReplicas: { kind: 'int', default: 3, min: 1, max: 5 },
  /** Name of the command stream; the session stream, KV buckets and object store are named after it. */
  ClusterStream: { kind: 'string', default: 'FIXGW' },
  /** JetStream's duplicate window: a second publish with the same Nats-Msg-Id within it is dropped. */
  ClusterDuplicateWindowSeconds: { kind: 'int', default: 120, min: 10, max: 86_400 },
  /** How long one publish waits for JetStream's ack before it is retried (with the same Nats-Msg-Id). */
  ClusterPublishTimeoutMs: { kind: 'int', default: 2000, min: 100, max: 60_000 },
  /** How long an append is retried (NATS away) before it is given up as in doubt; inside the duplicate window. */
  ClusterAppendRetryMs: { kind: 'int', default: 30_000, min: 0, max: 3_600_000 },
  /** Appends published and not yet acknowledged, at most; more are refused (overloaded). */
  ClusterPublishInFlightMax: { kind: 'int', default: 4096, min: 1, max: 1_000_000 },
  /** A session lease lives this long without renewal. Longer than a NATS leader election (seconds), so that one only
   *  pauses the sessions; a crashed node's sessions are taken at once by a node its clients log on to (node-presence.ts). */
  ClusterLeaseTtlMs: { kind: 'int', default: 10_000, min: 1000, max: 600_000 },
  /** Snapshots kept in the object store; the command stream is trimmed below the oldest. */
  ClusterSnapshotsKept: { kind: 'int', default: 3, min: 1, max: 100 },
  /** A snapshot of the engine goes to the object store at every seq that is a multiple of this (0 = none). */
  ClusterSnapshotEveryCommands: { kind: 'int', default: 100_000, min: 0, max: 1_000_000_000 },
  /** Replicas compare engine digests at every seq that is a multiple of this (0 = never). */
  ClusterDigestEveryCommands: { kind: 'int', default: 10_000, min: 0, max: 1_000_000_000 },
  /** Replies to sessions this node does not hold, kept so a takeover can send those its client missed (events). */
  ClusterReportTailEvents: { kind: 'int', default: 200_000, min: 0, max: 10_000_000 },
  /** How long connecting to NATS at start may take before it is an error naming the URLs. */
  ClusterConnectTimeoutMs: { kind: 'int', default: 5000, min: 100, max: 600_000 },
} satisfies Record<string, KeySpec>;

export type ClusterKey = keyof typeof CLUSTER_KEYS;

export interface ClusterSettings {
  natsUrls: string[];
  nodeId: string;
  replicas: number;
  stream: string;
  duplicateWindowMs: number;
  publishTimeoutMs: number;
  appendRetryMs: number;
  publishInFlightMax: number;
  leaseTtlMs: number;
  snapshotsKept: number;
  snapshotEveryCommands: number;
  digestEveryCommands: number;
  reportTailEvents: number;
  connectTimeoutMs: number;
}

export class ClusterSettingsError extends Error {
  override name = 'ClusterSettingsError';
  constructor(readonly key: string, problem: string) { super(`${key}: ${problem}`); }
}

const NODE_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** Stream names become subject tokens and bucket names too: the characters all three allow. */
const STREAM_NAME = /^[A-Za-z0-9_-]{1,32}$/;
const NATS_URL = /^(nats|tls|ws|wss):\/\/[^\s,]+$/;

/**
 * The cluster settings in `raw` (key → value as written, e.g. SessionSettings.raw), or null when ClusterNatsUrls is
 * not set (single-process mode; then no other Cluster key may be set either). Throws ClusterSettingsError naming the key.
 */
export function parseClusterSettings(raw: ReadonlyMap<string, string>): ClusterSettings | null {
  const urls = raw.get('ClusterNatsUrls');
  if (urls === undefined || urls.trim() === '') {
    for (const key of Object.keys(CLUSTER_KEYS)) {
      if (raw.has(key) && key !== 'ClusterNatsUrls') throw new ClusterSettingsError(key, 'set without ClusterNatsUrls (cluster mode is off)');
    }
    return null;
  }
  const natsUrls = urls.split(',').map((u) => u.trim()).filter((u) => u !== '');
  for (const u of natsUrls) if (!NATS_URL.test(u)) throw new ClusterSettingsError('ClusterNatsUrls', `${JSON.stringify(u)} is not a nats:// URL`);
  const nodeId = raw.get('ClusterNodeId');
  if (nodeId === undefined) throw new ClusterSettingsError('ClusterNodeId', 'required in cluster mode');
  if (!NODE_ID.test(nodeId)) throw new ClusterSettingsError('ClusterNodeId', `${JSON.stringify(nodeId)}: use 1-32 of A-Z a-z 0-9 _ -`);
  const stream = raw.get('ClusterStream') ?? CLUSTER_KEYS.ClusterStream.default;
  if (!STREAM_NAME.test(stream)) throw new ClusterSettingsError('ClusterStream', `${JSON.stringify(stream)}: use 1-32 of A-Z a-z 0-9 _ -`);
  const int = (key: ClusterKey): number => intSetting(raw, key);
  const settings: ClusterSettings = {
    natsUrls, nodeId, stream,
    replicas: int('ClusterReplicas'),
    duplicateWindowMs: int('ClusterDuplicateWindowSeconds') * 1000,
    publishTimeoutMs: int('ClusterPublishTimeoutMs'),
    appendRetryMs: int('ClusterAppendRetryMs'),
    publishInFlightMax: int('ClusterPublishInFlightMax'),
    leaseTtlMs: int('ClusterLeaseTtlMs'),
    snapshotsKept: int('ClusterSnapshotsKept'),
    snapshotEveryCommands: int('ClusterSnapshotEveryCommands'),
    digestEveryCommands: int('ClusterDigestEveryCommands'),
    reportTailEvents: int('ClusterReportTailEvents'),
    connectTimeoutMs: int('ClusterConnectTimeoutMs'),
  };
  // A retry after the duplicate window could enter a command twice: the retries must end well inside it.
  if (settings.appendRetryMs + settings.publishTimeoutMs > settings.duplicateWindowMs / 2) {
    throw new ClusterSettingsError('ClusterAppendRetryMs', `with ClusterPublishTimeoutMs must stay within half of ClusterDuplicateWindowSeconds (${settings.duplicateWindowMs / 1000} s)`);
  }
  if (settings.replicas !== 1 && settings.replicas !== 3 && settings.replicas !== 5) {
    throw new ClusterSettingsError('ClusterReplicas', `${settings.replicas}: use 1, 3 or 5 (an even count adds no fault tolerance)`);
  }
  return settings;
}

/** An int key's value (default when unset), in the key's range. */
function intSetting(raw: ReadonlyMap<string, string>, key: ClusterKey): number {
  const spec = CLUSTER_KEYS[key] as { kind: 'int'; default: number; min: number; max: number };
  const text = raw.get(key);
  if (text === undefined) return spec.default;
  const n = /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < spec.min || n > spec.max) throw new ClusterSettingsError(key, `${JSON.stringify(text)}: expected an integer in ${spec.min}..${spec.max}`);
  return n;
}

/** Settings for tests and tools: the defaults, with `overrides`. */
export function clusterSettings(natsUrls: string[], nodeId: string, overrides: Partial<ClusterSettings> = {}): ClusterSettings {
  const raw = new Map([['ClusterNatsUrls', natsUrls.join(',')], ['ClusterNodeId', nodeId]]);
  return { ...parseClusterSettings(raw)!, ...overrides };
}
