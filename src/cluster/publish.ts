// One JetStream publish that is sure to be stored once or reported: sent with a Nats-Msg-Id and sent again with the
// same id while JetStream stays silent (a server died, a stream is electing its leader), which JetStream stores at most
// once within its duplicate window. An answer that refuses the message ends it at once.
import { JetStreamApiError, type PubAck } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { ClusterConnection } from './connection.js';

/** Retries ran out: the message may or may not be in the stream. */
export class PublishInDoubtError extends Error { override name = 'PublishInDoubtError'; }
/** JetStream refused the message (not stored), e.g. the stream is full. */
export class PublishRefusedError extends Error { override name = 'PublishRefusedError'; }

export interface PublishOptions {
  msgID: string;
  headers?: MsgHdrs;
  /** Wait for one ack this long before sending again. */
  timeoutMs: number;
  /** Send again for this long at most (keep it well inside the stream's duplicate window). */
  retryMs: number;
}

const RETRY_PAUSE_MS = 100;

export async function publishOnce(conn: ClusterConnection, subject: string, body: Uint8Array, opts: PublishOptions): Promise<PubAck> {
  const deadline = Date.now() + opts.retryMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await conn.js.publish(subject, body, { msgID: opts.msgID, timeout: opts.timeoutMs, ...(opts.headers ? { headers: opts.headers } : {}) });
    } catch (err) {
      // 503: JetStream has no leader for the stream at the moment, which a retry outlives
      if (err instanceof JetStreamApiError && err.status !== 503) throw new PublishRefusedError(`JetStream refused ${opts.msgID}: ${err.message}`, { cause: err });
      if (Date.now() >= deadline || conn.nc.isClosed()) {
        throw new PublishInDoubtError(`no JetStream ack for ${opts.msgID} after ${attempt} attempts in ${opts.retryMs} ms: ${(err as Error).message}`, { cause: err });
      }
      do {
        await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
      } while (!conn.up && Date.now() < deadline && !conn.nc.isClosed());
    }
  }
}
