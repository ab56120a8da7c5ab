// One command as a message of the command stream. The stream's sequence is the command's seq, so the record holds
// everything else: who appended it (node id and process incarnation, so a restarted node never takes an old record
// for its own), the appender's entry number for it (CommandLog.stage), and the command payload of the local journal
// with seq 0 (encodeCommandPayload: the submitter's clock and the command), so both logs share one command encoding.
//
//   [u8 version = 2][u8 origin length][origin, ASCII][f64 entry, 0 = none][command payload]
import { encodePayload, payloadBytes } from '../engine/command-codec.js';
import { decodeCommandPayload, JournalRecordTooLargeError, RECORD_PAYLOAD_BYTES_MAX, type Command, type SequencedCommand } from '../engine/index.js';

const VERSION = 2;
const ORIGIN_BYTES_MAX = 255;
/** Where records are built: the largest record fits, so encoding never allocates more than the record itself. */
const scratch = Buffer.allocUnsafe(10 + ORIGIN_BYTES_MAX + RECORD_PAYLOAD_BYTES_MAX);

export interface CommandRecord {
  /** seq: the stream sequence; timeMs: the submitter's clock when it submitted. */
  sc: SequencedCommand;
  /** `${nodeId}/${incarnation}` of the appending process. */
  origin: string;
  /** The appender's entry number (1, 2, 3… per process), 0 when none. */
  entry: number;
}

export class CommandRecordError extends Error { override name = 'CommandRecordError'; }

/** The message body for a command. Throws JournalRecordTooLargeError (nothing encoded) for a command too large for a
 *  journal record. */
export function encodeCommandRecord(cmd: Command, timeMs: number, origin: string, entry: number): Buffer {
  if (origin.length > ORIGIN_BYTES_MAX || !/^[\x21-\x7e]+$/.test(origin)) throw new Error(`invariant: origin ${JSON.stringify(origin)} is not 1-255 visible ASCII characters`);
  const payloadAt = 10 + origin.length;
  const sc: SequencedCommand = { seq: 0, timeMs, cmd };
  const n = encodePayload(sc, scratch, payloadAt, RECORD_PAYLOAD_BYTES_MAX);
  if (n < 0) throw new JournalRecordTooLargeError(payloadBytes(sc));
  scratch[0] = VERSION;
  scratch[1] = origin.length;
  scratch.write(origin, 2, 'latin1');
  scratch.writeDoubleLE(entry, 2 + origin.length);
  return Buffer.from(scratch.subarray(0, payloadAt + n));
}

/** The record in a message body at stream sequence `seq`; throws CommandRecordError saying what is wrong. */
export function decodeCommandRecord(seq: number, body: Uint8Array): CommandRecord {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (buf.length < 2 || buf[0] !== VERSION) throw new CommandRecordError(`stream seq ${seq}: record format version ${buf[0]}; this fixgw reads version ${VERSION}`);
  const originEnd = 2 + buf[1]!;
  if (buf.length < originEnd + 8) throw new CommandRecordError(`stream seq ${seq}: record cut short (${buf.length} bytes)`);
  const origin = buf.toString('latin1', 2, originEnd);
  const entry = buf.readDoubleLE(originEnd);
  if (!Number.isSafeInteger(entry) || entry < 0) throw new CommandRecordError(`stream seq ${seq}: entry ${entry} is not a count`);
  try {
    return { sc: decodeCommandPayload(buf.subarray(originEnd + 8), seq), origin, entry };
  } catch (err) {
    throw new CommandRecordError(`stream seq ${seq}: ${(err as Error).message}`);
  }
}
