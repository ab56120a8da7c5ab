// Names in NATS: the JetStream structures one cluster uses (all named after ClusterStream), and FIX session ids made
// safe for subjects, KV keys and Nats-Msg-Id headers. CompIDs may hold '.', '*', '>', spaces and any other byte, none
// of which a subject token may; the encoding below is injective, so two sessions never share a subject or a key.
import type { SessionId } from '../session/session-id.js';

/** Every JetStream structure of one cluster. */
export interface ClusterNames {
  /** The command stream (the engine's log) and its one subject. */
  commandStream: string;
  commandSubject: string;
  /** The stream of outbound FIX messages, one subject per session: `${sessionSubjectPrefix}.<token>`. */
  sessionStream: string;
  sessionSubjectPrefix: string;
  /** KV bucket: each session's sequence numbers and creation time. */
  seqnumBucket: string;
  /** KV bucket: which node holds each session. */
  leaseBucket: string;
  /** Object store: engine snapshots. */
  snapshotBucket: string;
  /** Core NATS subject (no stream) where replicas publish their engine digests. */
  digestSubject: string;
}

export function clusterNames(stream: string): ClusterNames {
  return {
    commandStream: stream,
    commandSubject: `${stream}.commands`,
    sessionStream: `${stream}_SESSIONS`,
    sessionSubjectPrefix: `${stream}.sessions`,
    seqnumBucket: `${stream}_SEQNUMS`,
    leaseBucket: `${stream}_LEASES`,
    snapshotBucket: `${stream}_SNAPSHOTS`,
    digestSubject: `${stream}_DIGESTS`,
  };
}

const HEX = '0123456789ABCDEF';

/**
 * `text` as one subject token / KV key: A-Z a-z 0-9 and '-' stay; every other UTF-8 byte (and '_', the escape) becomes
 * '_' and two upper-case hex digits. The empty string is '_' alone, which no other text encodes to.
 */
export function encodeToken(text: string): string {
  if (text === '') return '_';
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const plain = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d;
    out += plain ? String.fromCharCode(byte) : `_${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/** The text encodeToken made `token` from; throws on a token it cannot have made. */
export function decodeToken(token: string): string {
  if (token === '_') return '';
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c !== 0x5f) { bytes.push(c); continue; }
    const hex = token.slice(i + 1, i + 3);
    if (!/^[0-9A-F]{2}$/.test(hex)) throw new Error(`not an encoded token: ${JSON.stringify(token)}`);
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * A FIX session as one subject token / KV key: its three parts encoded and joined with '__', which no encoded part
 * contains ('_' is always followed by two hex digits), so distinct sessions get distinct tokens even where their
 * QuickFIX key strings ('FIX.4.4:A->B') coincide (a CompID holding '->').
 */
export function sessionToken(id: SessionId): string {
  return `${encodeToken(id.beginString)}__${encodeToken(id.senderCompId)}__${encodeToken(id.targetCompId)}`;
}

/**
 * The Nats-Msg-Id of an inbound FIX message's command: the session, the sequence-number epoch (the session's creation
 * time, which a reset changes) and the MsgSeqNum. A retry, a PossDup resend, or the same message resent to another
 * node after a crash gets the same id, and JetStream keeps the first within its duplicate window.
 */
export function fixDedupeId(session: SessionId, seqEpochMs: number, msgSeqNum: number): string {
  return `fix:${sessionToken(session)}:${seqEpochMs}:${msgSeqNum}`;
}
