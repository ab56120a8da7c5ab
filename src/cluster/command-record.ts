// One command as a message of the command stream. The stream's sequence is the command's seq, so the record holds
// everything else: who submitted it (node id and process incarnation, so a restarted node never takes an old record
// for its own), the submitter's number for it (ref), the submitter's clock, and the command itself as a journal
// record of the local journal (length, checksum, payload) with seq 0, so both logs share one command encoding.
//
//   [u8 version = 1][u8 origin length][origin, ASCII][f64 ref, -1 = none][journal record of {seq: 0, timeMs, cmd}]
import { decodePayload } from '../engine/command-codec.js';
import { encodeRecords, payloadChecksum, RECORD_HEADER_BYTES } from '../engine/journal.js';
import type { Command } from '../engine/types.js';

const VERSION = 1;
const NO_REF = -1;

export interface CommandRecord {
  /** The stream sequence: the engine's seq. */
  seq: number;
  /** The submitter's clock (epoch ms) when it submitted. */
  timeMs: number;
  cmd: Command;
  /** `${nodeId}/${incarnation}` of the submitting process. */
  origin: string;
  ref: number | undefined;
}

export class CommandRecordError extends Error { override name = 'CommandRecordError'; }

/** The message body for a command. Throws JournalRecordTooLargeError for a command too large for a journal record. */
export function encodeCommandRecord(cmd: Command, timeMs: number, origin: string, ref: number | undefined): Buffer {
  const record = encodeRecords([{ seq: 0, timeMs, cmd }]);
  if (origin.length > 255 || !/^[\x21-\x7e]+$/.test(origin)) throw new Error(`invariant: origin ${JSON.stringify(origin)} is not 1-255 visible ASCII characters`);
  const out = Buffer.allocUnsafe(2 + origin.length + 8 + record.length);
  out[0] = VERSION;
  out[1] = origin.length;
  out.write(origin, 2, 'latin1');
  out.writeDoubleLE(ref ?? NO_REF, 2 + origin.length);
  record.copy(out, 10 + origin.length);
  return out;
}

/** The record in a message body at stream sequence `seq`; throws CommandRecordError saying what is wrong. */
export function decodeCommandRecord(seq: number, body: Uint8Array): CommandRecord {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (buf.length < 2 || buf[0] !== VERSION) throw new CommandRecordError(`stream seq ${seq}: record version ${buf[0]} is not ${VERSION}`);
  const originEnd = 2 + buf[1]!;
  const recordAt = originEnd + 8;
  if (buf.length < recordAt + RECORD_HEADER_BYTES) throw new CommandRecordError(`stream seq ${seq}: record cut short (${buf.length} bytes)`);
  const origin = buf.toString('latin1', 2, originEnd);
  const ref = buf.readDoubleLE(originEnd);
  const length = buf.readUInt32LE(recordAt);
  const payloadAt = recordAt + RECORD_HEADER_BYTES;
  if (payloadAt + length !== buf.length) throw new CommandRecordError(`stream seq ${seq}: payload length ${length} does not fit the ${buf.length}-byte record`);
  if (payloadChecksum(buf, payloadAt, payloadAt + length) !== buf.readUInt32LE(recordAt + 4)) throw new CommandRecordError(`stream seq ${seq}: payload checksum mismatch`);
  let sc;
  try {
    sc = decodePayload(buf, payloadAt, payloadAt + length);
  } catch (err) {
    throw new CommandRecordError(`stream seq ${seq}: ${(err as Error).message}`);
  }
  return { seq, timeMs: sc.timeMs, cmd: sc.cmd, origin, ref: ref === NO_REF ? undefined : ref };
}
