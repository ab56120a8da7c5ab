// The JetStream subject of one FIX session's outbound messages, as written by the node that holds the session: every
// message carries the holder's fence (the revision its lease was taken at), and a takeover writes a fence marker
// first, so a reader can tell the messages of the current holder from late writes of one that lost the session.
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import type { ClusterConnection } from './connection.js';

export const FENCE_HEADER = 'Fixgw-Fence';
export const KIND_HEADER = 'Fixgw-Kind';
export const SEQ_HEADER = 'Fixgw-Seq';
export const EPOCH_HEADER = 'Fixgw-Epoch';

export interface ChannelOptions { publishTimeoutMs: number; retryMs: number }

export class SessionChannel {
  constructor(private readonly conn: ClusterConnection, readonly subject: string, readonly fence: number, private readonly opts: ChannelOptions) {}

  /** Publishes one outbound message (`id`: unique among this holder's writes); resolves with its stream seq. */
  async publishMessage(seq: number, epochMs: number, bytes: Uint8Array, id: string): Promise<number> {
    const h = headers();
    h.set(KIND_HEADER, 'message');
    h.set(SEQ_HEADER, String(seq));
    h.set(EPOCH_HEADER, String(epochMs));
    return this.publish(bytes, h, id);
  }

  /** The fence marker a new holder writes before it reads the subject: later writes of lower fences are stale. */
  async publishFenceMarker(): Promise<number> {
    const h = headers();
    h.set(KIND_HEADER, 'fence');
    return this.publish(new Uint8Array(0), h, 'fence');
  }

  private async publish(body: Uint8Array, h: MsgHdrs, id: string): Promise<number> {
    h.set(FENCE_HEADER, String(this.fence));
    const ack = await this.conn.publisher.publish(this.subject, body, {
      msgID: `${this.subject}:${this.fence}:${id}`, headers: h, timeoutMs: this.opts.publishTimeoutMs, retryMs: this.opts.retryMs,
    });
    return ack.seq;
  }
}
