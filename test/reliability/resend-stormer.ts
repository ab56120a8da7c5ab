// Child process of the resend-storm test: one FIX client that fills its session with `orders` resting orders (one
// ExecutionReport each), then, on commands from its stdin, asks for everything again:
//   storm N    N ResendRequests 1..0 in one write; prints `stormed {...}` once the answer is complete (or quiet 5 s)
//   repeat N   ResendRequest 1..0, waits for the whole answer, again, N times or until the gateway logs it out;
//              prints `repeated {...}`
// A process of its own, so the storm's reading and parsing does not slow the test's measuring clients.
// argv: port compId orders
import net from 'node:net';
import readline from 'node:readline';
import { performance } from 'node:perf_hooks';
import { encodeMessage } from '../../src/fix/encode.js';
import { Framer } from '../../src/fix/framer.js';
import { parseMessage, type FixMessage } from '../../src/fix/message.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import type { FieldList } from '../../src/fix/types.js';

const [portText, compId, ordersText] = process.argv.slice(2);
const orders = Number(ordersText);
const socket = net.connect({ host: '127.0.0.1', port: Number(portText) });
const framer = new Framer();
let seqOut = 1;
/** Highest MsgSeqNum received as an original (not PossDup): the newest message the gateway stored for us. */
let newestSeq = 0;
let reports = 0;
let logonDone = false;
/** The answer to the current request: resent messages, gap fills, and how far they reach. */
const answer = { resent: 0, gapFills: 0, reachedSeq: 0, duplicates: 0 };
const seen = new Set<number>();
let logout: string | undefined;
let lastReceivedMs = performance.now();

function send(msgType: string, body: FieldList): void {
  const header: FieldList = [[34, String(seqOut++)], [49, compId!], [52, formatUtcTimestamp(Date.now())], [56, 'FIXGW']];
  socket.write(encodeMessage('FIX.4.4', msgType, header, body));
}

function received(m: FixMessage): void {
  lastReceivedMs = performance.now();
  const seq = Number(m.get(34));
  if (m.msgType === 'A') logonDone = true;
  if (m.msgType === '5') logout = m.get(58) ?? '';
  if (m.get(43) === 'Y') {
    if (m.msgType === '4') {
      answer.gapFills++;
      answer.reachedSeq = Math.max(answer.reachedSeq, Number(m.get(36)) - 1);
    } else {
      answer.resent++;
      answer.reachedSeq = Math.max(answer.reachedSeq, seq);
      if (seen.has(seq)) answer.duplicates++;
      seen.add(seq);
    }
    return;
  }
  newestSeq = Math.max(newestSeq, seq);
  if (m.msgType === '8') reports++;
}

socket.on('data', (chunk: Buffer) => {
  framer.push(chunk);
  for (let f = framer.next(); f !== null; f = framer.next()) {
    if (f.kind !== 'message') continue;
    const m = parseMessage(f.bytes);
    if (!('garbled' in m)) received(m);
  }
});
socket.on('error', () => undefined);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(predicate: () => boolean, quietMs: number): Promise<boolean> {
  while (!predicate()) {
    if (socket.destroyed || performance.now() - lastReceivedMs > quietMs) return false;
    await sleep(2);
  }
  return true;
}

await new Promise<void>((r) => socket.once('connect', r));
send('A', [[98, '0'], [108, '30'], [141, 'Y']]);
await until(() => logonDone, 10_000);
for (let i = 0; i < orders; i++) {
  send('D', [[11, `S${i}`], [55, 'MSFT'], [54, '1'], [60, formatUtcTimestamp(Date.now())], [38, '1'], [40, '2'], [44, '1.00']]);
  if (i % 100 === 99) await until(() => reports >= i + 1, 10_000);
}
await until(() => reports >= orders, 10_000);
process.stdout.write(`filled ${JSON.stringify({ reports, newestSeq })}\n`);

function resetAnswer(): void {
  Object.assign(answer, { resent: 0, gapFills: 0, reachedSeq: 0, duplicates: 0 });
  seen.clear();
}

for await (const line of readline.createInterface({ input: process.stdin })) {
  const [what, countText] = line.split(' ');
  const count = Number(countText);
  if (what === 'storm') {
    resetAnswer();
    const start = lastReceivedMs = performance.now();
    for (let i = 0; i < count; i++) send('2', [[7, '1'], [16, '0']]);
    await until(() => answer.reachedSeq >= newestSeq && performance.now() - lastReceivedMs > 500, 5_000);
    process.stdout.write(`stormed ${JSON.stringify({ ...answer, newestSeq, ms: Math.round(performance.now() - start - 500) })}\n`);
  } else if (what === 'repeat') {
    let asked = 0;
    let answered = 0;
    const start = performance.now();
    for (; asked < count && logout === undefined && !socket.destroyed; asked++) {
      resetAnswer();
      lastReceivedMs = performance.now();
      send('2', [[7, '1'], [16, '0']]);
      if (await until(() => answer.reachedSeq >= newestSeq || logout !== undefined, 15_000)) answered += logout === undefined ? 1 : 0;
    }
    await until(() => logout !== undefined, 3_000);
    process.stdout.write(`repeated ${JSON.stringify({ asked, answered, logout: logout ?? null, ms: Math.round(performance.now() - start) })}\n`);
  } else if (what === 'quit') {
    socket.destroy();
    process.exit(0);
  }
}
