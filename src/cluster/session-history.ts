// Reads one session's outbound messages back from the session stream, up to a takeover's fence marker, keeping only
// what the current state stands on: messages of the session's current epoch (a reset starts a new one), and none
// written by a holder after a newer holder's fence marker (a node that lost the session and wrote late).
import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import type { ClusterConnection } from './connection.js';
import { decodeMessages, EPOCH_HEADER, FENCE_HEADER, KIND_HEADER } from './session-channel.js';

export type MessageSink = (seq: number, bytes: Buffer) => void;

/** Calls `sink` for each kept message in stream order, through `untilSeq` (a record on `subject`); gives up after timeoutMs. */
export async function readSessionMessages(conn: ClusterConnection, stream: string, subject: string, untilSeq: number, epochMs: number, timeoutMs: number, sink: MessageSink): Promise<void> {
  let fenceSeen = 0;
  const keep = (m: JsMsg): void => {
    const fence = Number(m.headers?.get(FENCE_HEADER));
    if (m.headers?.get(KIND_HEADER) === 'fence') { fenceSeen = Math.max(fenceSeen, fence); return; }
    if (fence < fenceSeen || Number(m.headers?.get(EPOCH_HEADER)) !== epochMs) return;
    let messages;
    try {
      messages = decodeMessages(m.data);
    } catch (err) {
      throw new Error(`${subject} stream seq ${m.seq}: ${(err as Error).message}`);
    }
    for (const { seq, bytes } of messages) sink(seq, bytes);
  };
  let finish!: (err: Error | null) => void;
  const done = new Promise<Error | null>((resolve) => { finish = resolve; });
  let finished = false;
  const consumer = await conn.js.consumers.get(stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.All });
  const messages = await consumer.consume({
    max_messages: 1024, expires: 5000, idle_heartbeat: 1000,
    callback: (m) => {
      if (finished) return;
      try {
        keep(m);
      } catch (err) {
        finished = true;
        finish(err as Error);
        return;
      }
      if (m.seq >= untilSeq) { finished = true; finish(null); }
    },
  });
  const timer = setTimeout(() => { finished = true; finish(new Error(`reading ${subject} up to stream seq ${untilSeq} took over ${timeoutMs} ms`)); }, timeoutMs);
  const err = await done;
  clearTimeout(timer);
  await messages.close();
  if (err !== null) throw err;
}
