// The JetStream subject of one FIX session's outbound messages, as written by the node that holds the session: every
// message carries the holder's fence (the revision its lease was taken at), and a takeover writes a fence marker
// first, so a reader can tell the messages of the current holder from late writes of one that lost the session.
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import type { ClusterConnection } from './connection.js';

export const FENCE_HEADER = 'Fixgw-Fence';
export const KIND_HEADER = 'Fixgw-Kind';
export const EPOCH_HEADER = 'Fixgw-Epoch';

export interface ChannelOptions { publishTimeoutMs: number; retryMs: number }

export class SessionChannel {
  constructor(private readonly conn: ClusterConnection, readonly subject: string, readonly fence: number, private readonly opts: ChannelOptions) {}

  /** Publishes outbound messages, in order, as one JetStream message (`id`: unique among this holder's writes);
   *  resolves with its stream seq. */
  async publishMessages(messages: ReadonlyArray<{ seq: number; bytes: Uint8Array }>, epochMs: number, id: string): Promise<number> {
    const h = headers();
    h.set(KIND_HEADER, 'messages');
    h.set(EPOCH_HEADER, String(epochMs));
    return this.publish(encodeMessages(messages), h, id);
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

/** Outbound messages as one body: `[u32 count]` then, for each, `[u32 MsgSeqNum][u32 length][bytes]`. */
export function encodeMessages(messages: ReadonlyArray<{ seq: number; bytes: Uint8Array }>): Buffer {
  let size = 4;
  for (const m of messages) size += 8 + m.bytes.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32LE(messages.length, 0);
  let at = 4;
  for (const m of messages) {
    out.writeUInt32LE(m.seq, at);
    out.writeUInt32LE(m.bytes.length, at + 4);
    out.set(m.bytes, at + 8);
    at += 8 + m.bytes.length;
  }
  return out;
}

/** The messages of a body encodeMessages made; throws saying what is wrong with one it did not make. */
export function decodeMessages(body: Uint8Array): Array<{ seq: number; bytes: Buffer }> {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (buf.length < 4) throw new Error('session messages cut short');
  const count = buf.readUInt32LE(0);
  const out: Array<{ seq: number; bytes: Buffer }> = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (buf.length - at < 8) throw new Error(`session messages cut short at message ${i + 1} of ${count}`);
    const seq = buf.readUInt32LE(at);
    const length = buf.readUInt32LE(at + 4);
    if (seq < 1 || buf.length - at - 8 < length) throw new Error(`session message ${i + 1} of ${count}: seq ${seq}, ${length} bytes do not fit`);
    out.push({ seq, bytes: Buffer.from(buf.subarray(at + 8, at + 8 + length)) });
    at += 8 + length;
  }
  if (at !== buf.length) throw new Error(`session messages: ${buf.length - at} bytes after the last`);
  return out;
}
