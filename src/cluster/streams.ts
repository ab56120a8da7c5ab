// The JetStream streams of a cluster, created on first use and checked on every start: the command stream (the
// engine's log) and the session stream (outbound FIX messages). Both are file-backed with the configured replicas.
// The command stream has no limits that would drop records on their own (trimming is explicit, below the oldest kept
// snapshot) and refuses single-message deletes, so its sequences have no holes above its first sequence.
import { DiscardPolicy, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import type { ClusterNames } from './names.js';
import { ClusterSettingsError } from './settings.js';

/** A command record is a journal record (at most 64 KiB of payload) plus a small envelope. */
const COMMAND_MESSAGE_BYTES_MAX = 64 * 1024 + 512;
/** An outbound FIX message stored for resend (the session store allows up to 16 MiB; NATS' default max payload is 1 MiB). */
const SESSION_MESSAGE_BYTES_MAX = 1024 * 1024;

/** Attempts at a JetStream structure's creation or check at start whose API request timed out (a new stream's or
 *  bucket's Raft group electing its leader on a busy machine can take longer than the client's 5 s). */
const START_ATTEMPTS = 3;

/** Runs `create` again when its JetStream API request timed out, up to START_ATTEMPTS times; any other error at once. */
export async function retryingTimeouts<T>(create: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (err) {
      if (attempt >= START_ATTEMPTS || (err as Error).name !== 'TimeoutError') throw err;
    }
  }
}

export interface StreamOptions {
  replicas: number;
  duplicateWindowMs: number;
}

/** Creates the command stream, or brings an existing one to these replicas and duplicate window. */
export async function ensureCommandStream(jsm: JetStreamManager, names: ClusterNames, opts: StreamOptions): Promise<void> {
  await retryingTimeouts(() => ensureStream(jsm, {
    name: names.commandStream, subjects: [names.commandSubject], retention: RetentionPolicy.Limits, storage: StorageType.File,
    num_replicas: opts.replicas, duplicate_window: opts.duplicateWindowMs * 1_000_000, max_msg_size: COMMAND_MESSAGE_BYTES_MAX,
    discard: DiscardPolicy.New, deny_delete: true, deny_purge: false,
    description: 'fixgw command log: the stream sequence is the engine sequence',
  }));
}

/** Creates the session stream (one subject per session), or brings an existing one to these replicas. */
export async function ensureSessionStream(jsm: JetStreamManager, names: ClusterNames, opts: StreamOptions): Promise<void> {
  await retryingTimeouts(() => ensureStream(jsm, {
    name: names.sessionStream, subjects: [`${names.sessionSubjectPrefix}.>`], retention: RetentionPolicy.Limits,
    storage: StorageType.File, num_replicas: opts.replicas, duplicate_window: opts.duplicateWindowMs * 1_000_000,
    max_msg_size: SESSION_MESSAGE_BYTES_MAX, discard: DiscardPolicy.New, deny_delete: false, deny_purge: false,
    description: 'fixgw outbound FIX messages for resend, one subject per session',
  }));
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  let existing: StreamConfig | null = null;
  try {
    existing = (await jsm.streams.info(config.name)).config;
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.status === 404)) throw err;
  }
  if (existing === null) {
    try {
      await jsm.streams.add(config);
      return;
    } catch (err) {
      // another node created it between our info and add: fall through and check its config
      if (!(err instanceof JetStreamApiError)) throw err;
      existing = (await jsm.streams.info(config.name)).config;
    }
  }
  // a node's retries end inside its duplicate window: a stream with another window breaks that for some node
  if (existing.duplicate_window !== config.duplicate_window) {
    throw new ClusterSettingsError('ClusterDuplicateWindowSeconds', `${config.duplicate_window! / 1e9}, but stream ${config.name} has ${existing.duplicate_window / 1e9}: every node must use the same window`);
  }
  if (existing.num_replicas !== config.num_replicas) {
    const { name: _name, retention: _r, storage: _s, ...update } = config;
    await jsm.streams.update(config.name, update); // JetStream moves the stream to the new replica count
  }
}

/** First and last sequence of a stream (first > last when it is empty). */
export async function streamBounds(jsm: JetStreamManager, stream: string): Promise<{ firstSeq: number; lastSeq: number }> {
  const { state } = await jsm.streams.info(stream);
  return { firstSeq: state.first_seq, lastSeq: state.last_seq };
}

/** Removes every record below `seq` (the first sequence kept); a no-op for records already gone. */
export async function trimBelow(jsm: JetStreamManager, stream: string, seq: number): Promise<number> {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`trim below ${seq}: not a stream sequence`);
  // Nothing is below 1, and nats-server before 2.14 purges the whole stream for a purge up to seq 1
  // (nats-io/nats-server#4696): a trim bounded by a replica that has applied nothing must not reach the server.
  if (seq === 1) return 0;
  const res = await jsm.streams.purge(stream, { seq });
  return res.purged;
}
