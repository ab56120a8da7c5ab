// Which FIX sessions this process answers for. A single process answers for every session it has. In cluster mode
// (src/cluster/) each node is a replica of the engine and answers only for the sessions it hosts: a node takes a
// session over (its lease, its replicated store) before the session's Logon is answered, and gives it up when the
// client leaves. The stations ask here before they store or send anything for a session, and stamp each command with
// a dedupe id so that a client's resend to another node is not entered twice.
import type { FixMessage } from '../fix/message.js';
import type { Session } from '../session/session.js';

export interface SessionHosting {
  /** Before the acceptor binds a Logon to `session`: take it over. A text refuses the Logon with a Logout carrying it
   *  (another node holds the session). */
  takeOver(session: Session): Promise<string | undefined>;
  /** Whether this node stores and sends the replies of session `key` (events of the others' are not this node's). */
  hosts(key: string): boolean;
  /** The session logged out, or its connection ended: this node gives it up. */
  released(session: Session): void;
  /** The dedupe id of the command an inbound message of `session` becomes (the same on every node, for a resend too). */
  dedupeId(session: Session, msg: FixMessage): string;
}
