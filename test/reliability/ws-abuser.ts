// Child process of the WebSocket-abuse test: from its own process (so the test's FIX client is not slowed by the
// abuser's own work), abuses /ws of a gateway in three bursts, each sent at once and waited out (every request is
// answered by one "subscribed" or "error"), `rounds` times: 20,000 malformed frames on one connection; 40,000
// subscribe requests (depth 1,000, every symbol and channel) on one connection (four times the report's, so that
// handled as they come they would hold the event loop for about a second); 300 connections sending 100 subscribe
// requests each. Prints one JSON line at the end: frames sent, messages received, how long each burst took.
// argv: httpPort rounds
import WebSocket from 'ws';

const [portText, roundsText] = process.argv.slice(2);
const url = `ws://127.0.0.1:${portText}/ws`;
const SYMBOLS = ['AAPL', 'MSFT', 'IBM', 'GOOG', 'BTC-USD', 'ETH-USD'];
const CHANNELS = ['book', 'trades', 'bbo', 'status'];
const tally = { framesSent: 0, messagesReceived: 0, burstMs: [] as number[] };
let answered = 0;

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('message', (data: Buffer) => {
      tally.messagesReceived++;
      const text = data.toString();
      if (text.startsWith('{"type":"subscribed"') || text.startsWith('{"type":"error"')) answered++;
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const subscribe = (i: number) => JSON.stringify({ op: 'subscribe', channel: CHANNELS[i % 4], symbol: SYMBOLS[Math.floor(i / 4) % 6], depth: 1000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function burst(conns: WebSocket[], perConn: number, frame: (i: number) => string): Promise<void> {
  const start = Date.now();
  answered = 0;
  for (const ws of conns) for (let i = 0; i < perConn; i++) ws.send(frame(i));
  tally.framesSent += conns.length * perConn;
  while (answered < conns.length * perConn && Date.now() - start < 60_000) await sleep(10);
  tally.burstMs.push(Date.now() - start);
}

const one = await open();
const many = await Promise.all(Array.from({ length: 300 }, () => open()));
for (let r = 0; r < Number(roundsText); r++) {
  await burst([one], 20_000, (i) => `{"op":${i}`);
  await burst([one], 40_000, subscribe);
  await burst(many, 100, subscribe);
}
for (const ws of [one, ...many]) ws.terminate();
process.stdout.write(`${JSON.stringify(tally)}\n`);
