// FIX codec throughput: parse, parse+validate, encode (NewOrderSingle, ExecutionReport) and framing, after warm-up.
// Prints one JSON line. Run: npm run build && npm run bench:codec
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Dictionary } from '../src/fix/dictionary.js';
import { encodeMessage } from '../src/fix/encode.js';
import { Framer } from '../src/fix/framer.js';
import { parseMessage, FixMessage } from '../src/fix/message.js';
import { validateMessage } from '../src/fix/validate.js';
import type { FieldList } from '../src/fix/types.js';

const dict = Dictionary.load(fileURLToPath(new URL('../../fix-specs/FIX44.xml', import.meta.url)));

const header = (seq: number, sender: string, target: string): FieldList => [
  [49, sender], [56, target], [34, String(seq)], [52, '20261126-01:30:00.123'],
];
const nosBody: FieldList = [
  [11, 'ORD-000123456'], [1, 'ACC-7'], [21, '1'], [55, 'AAPL'], [54, '1'], [60, '20261126-01:30:00.120'],
  [38, '100'], [40, '2'], [44, '190.25'], [59, '0'],
];
const erBody: FieldList = [
  [37, '1234567'], [11, 'ORD-000123456'], [17, '1234567.3'], [150, 'F'], [39, '1'], [1, 'ACC-7'], [55, 'AAPL'],
  [54, '1'], [38, '100'], [40, '2'], [44, '190.25'], [59, '0'], [32, '40'], [31, '190.24'], [151, '60'], [14, '40'],
  [6, '190.24'], [60, '20261126-01:30:00.124'], [851, '2'],
];
/** The same order with two Parties (NoPartyIDs=2): a repeating group in the body. */
const nosPartiesBody: FieldList = [
  ...nosBody.slice(0, 2), [453, '2'], [448, 'TRADER-9'], [447, 'D'], [452, '11'], [448, 'DESK-2'], [447, 'D'], [452, '3'],
  ...nosBody.slice(2),
];
const nosBytes = encodeMessage('FIX.4.4', 'D', header(123, 'CLIENT1', 'FIXGW'), nosBody);
const nosPartiesBytes = encodeMessage('FIX.4.4', 'D', header(124, 'CLIENT1', 'FIXGW'), nosPartiesBody);
const erBytes = encodeMessage('FIX.4.4', '8', header(456, 'FIXGW', 'CLIENT1'), erBody);

// sanity: the samples are valid messages
for (const b of [nosBytes, nosPartiesBytes, erBytes]) {
  const m = parseMessage(b);
  if (!(m instanceof FixMessage)) throw new Error(`sample does not parse: ${m.garbled}`);
  const err = validateMessage(m, dict);
  if (err !== null) throw new Error(`sample does not validate: ${JSON.stringify(err)} ${m.toString()}`);
}

let sink = 0;

/** Best rate of `rounds` rounds after warm-up: by wall clock, and by process CPU time (the rate on an idle core). */
interface Rate { wall: number; cpu: number }

/** Runs fn n times per round until minMs passed. */
function measure(fn: () => void, n: number, rounds = 5, minMs = 300): Rate {
  for (let i = 0; i < n * 3; i++) fn(); // warm-up (JIT)
  const best: Rate = { wall: 0, cpu: 0 };
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let elapsedNs = 0n;
    do {
      for (let i = 0; i < n; i++) fn();
      ops += n;
      elapsedNs = process.hrtime.bigint() - t0;
    } while (elapsedNs < BigInt(minMs) * 1_000_000n);
    const c = process.cpuUsage(c0);
    best.wall = Math.max(best.wall, ops / (Number(elapsedNs) / 1e9));
    best.cpu = Math.max(best.cpu, ops / ((c.user + c.system) / 1e6));
  }
  return best;
}

const parseNos = (): void => {
  const m = parseMessage(nosBytes) as FixMessage;
  sink += m.fieldCount;
};
const parseValidateNos = (): void => {
  const m = parseMessage(nosBytes) as FixMessage;
  if (validateMessage(m, dict) !== null) throw new Error('invalid');
  sink += m.fieldCount;
};
const parseValidateNosParties = (): void => {
  const m = parseMessage(nosPartiesBytes) as FixMessage;
  if (validateMessage(m, dict) !== null) throw new Error('invalid');
  sink += m.fieldCount;
};
const parseEr = (): void => {
  const m = parseMessage(erBytes) as FixMessage;
  sink += m.fieldCount;
};
const parseValidateEr = (): void => {
  const m = parseMessage(erBytes) as FixMessage;
  if (validateMessage(m, dict) !== null) throw new Error('invalid');
  sink += m.fieldCount;
};
let seq = 1;
const encodeNos = (): void => {
  sink += encodeMessage('FIX.4.4', 'D', header(seq++, 'CLIENT1', 'FIXGW'), nosBody).length;
};
const encodeEr = (): void => {
  sink += encodeMessage('FIX.4.4', '8', header(seq++, 'FIXGW', 'CLIENT1'), erBody).length;
};

// Framing: a stream of NOS and ER messages cut into 64 KiB chunks, as a socket would deliver them.
const stream = Buffer.concat(Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? nosBytes : erBytes)));
const CHUNK_BYTES = 64 * 1024;
const chunks: Buffer[] = [];
for (let at = 0; at < stream.length; at += CHUNK_BYTES) chunks.push(stream.subarray(at, Math.min(stream.length, at + CHUNK_BYTES)));
const frameStream = (): void => {
  const framer = new Framer();
  let frames = 0;
  for (const c of chunks) {
    framer.push(c);
    for (let f = framer.next(); f !== null; f = framer.next()) {
      if (f.kind !== 'message') throw new Error('garbled frame in bench stream');
      frames++;
    }
  }
  if (frames !== 2000) throw new Error(`framed ${frames} messages`);
  sink += frames;
};

const parseNosPerSec = measure(parseNos, 20_000);
const parseValidateNosPerSec = measure(parseValidateNos, 20_000);
const parseValidateNosPartiesPerSec = measure(parseValidateNosParties, 20_000);
const parseErPerSec = measure(parseEr, 20_000);
const parseValidateErPerSec = measure(parseValidateEr, 20_000);
const encodeNosPerSec = measure(encodeNos, 20_000);
const encodeErPerSec = measure(encodeEr, 20_000);
const streamsPerSec = measure(frameStream, 10);

const figures = (pick: (r: Rate) => number): Record<string, number> => ({
  parseNewOrderSingleMsgsPerSec: Math.round(pick(parseNosPerSec)),
  parseValidateNewOrderSingleMsgsPerSec: Math.round(pick(parseValidateNosPerSec)),
  parseValidateNewOrderSingleNsPerMsg: Math.round(1e9 / pick(parseValidateNosPerSec)),
  parseValidateNewOrderSingleWithPartiesMsgsPerSec: Math.round(pick(parseValidateNosPartiesPerSec)),
  parseExecutionReportMsgsPerSec: Math.round(pick(parseErPerSec)),
  parseValidateExecutionReportMsgsPerSec: Math.round(pick(parseValidateErPerSec)),
  encodeNewOrderSingleMsgsPerSec: Math.round(pick(encodeNosPerSec)),
  encodeExecutionReportMsgsPerSec: Math.round(pick(encodeErPerSec)),
  framedBytesPerSec: Math.round(pick(streamsPerSec) * stream.length),
  framedMsgsPerSec: Math.round(pick(streamsPerSec) * 2000),
});
console.log(JSON.stringify({
  bench: 'codec',
  node: process.version,
  nosBytes: nosBytes.length,
  nosWithPartiesBytes: nosPartiesBytes.length,
  erBytes: erBytes.length,
  ...figures((r) => r.wall),
  perCpuSecond: figures((r) => r.cpu),
  targetParseValidateNsPerMsg: 1000,
  loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
  cpus: os.cpus().length,
  sink: sink > 0 ? 'ok' : 'none',
}));
