// The boundary between the FIX session layer and whatever uses it (gateway, simulator, tests).
// The session knows nothing of orders; the application knows nothing of sequence numbers.
import type { FieldList } from '../fix/types.js';
import type { FixMessage } from '../fix/message.js';
import type { Session } from './session.js';

/** What an application may answer to an inbound message instead of accepting it. */
export type AppVerdict =
  /** Session-level Reject(3) with SessionRejectReason(373), optional RefTagID(371) and Text(58). */
  | { kind: 'reject'; reason: number; tag?: number; text?: string }
  /** BusinessMessageReject(j) with BusinessRejectReason(380) and Text(58). */
  | { kind: 'businessReject'; reason: number; text: string; refId?: string }
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

/** BusinessRejectReason(380) values the session layer uses. */
export const BusinessRejectReason = {
  Other: 0,
  UnknownId: 1,
  UnknownSecurity: 2,
  UnsupportedMessageType: 3,
  ApplicationNotAvailable: 4,
  ConditionallyRequiredFieldMissing: 5,
  NotAuthorized: 6,
  DeliverToFirmNotAvailable: 7,
} as const;
