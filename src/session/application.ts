// The boundary between the FIX session layer and whatever uses it (gateway, simulator, tests).
// The session knows nothing of orders; the application knows nothing of sequence numbers. What the application may
// ask of the session beyond sending (holding an inbound message until its work is durable, SendBatch, the newest
// value it sent) is Session API: the application never touches the session's store.
import type { FieldList } from '../fix/types.js';
import type { FixMessage } from '../fix/message.js';
import type { Session } from './session.js';

export { BusinessRejectReason } from '../fix/names.js';

/** What an application may answer to an inbound message instead of accepting it. The session sends it in order:
 *  while an earlier message of the session is held (Session.hold), the answer waits for that hold's release, and it
 *  is never sent if the hold is never released (the restarted gateway then asks for the message again). */
export type AppVerdict =
  /** Session-level Reject(3) with SessionRejectReason(373), optional RefTagID(371) and Text(58). */
  | { kind: 'reject'; reason: number; tag?: number; text?: string }
  /** BusinessMessageReject(j) with BusinessRejectReason(380) and Text(58). */
  | { kind: 'businessReject'; reason: number; text: string; refId?: string }
  /** An application message answering this one (e.g. an OrderMassCancelReport that refuses the request). */
  | { kind: 'reply'; msgType: string; body: FieldList }
  /** Logon refused: a Logout carrying `text` is sent and the connection is closed. */
  | { kind: 'rejectLogon'; text: string };

export interface Application {
  /** An inbound Logon, before the session checks or changes anything; return a rejectLogon verdict to refuse it
   *  (authentication). */
  onLogonRequest?(session: Session, logon: FixMessage): AppVerdict | void;
  onLogon?(session: Session): void;
  onLogout?(session: Session): void;
  /** An outbound admin message is about to be encoded; the initiator adds Username/Password here. */
  toAdmin?(session: Session, msgType: string, body: FieldList): void;
  /** Any verified inbound admin message (after sequence checks). */
  fromAdmin?(session: Session, msg: FixMessage): void;
  /** A verified, in-sequence inbound application message. */
  fromApp(session: Session, msg: FixMessage): AppVerdict | void;
}
