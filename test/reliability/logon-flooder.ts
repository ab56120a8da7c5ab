// Child process of the Logon-flood test: from one address, `count` Logons for new CompIDs, `concurrency` connections
// at a time, each closed once answered; every `badEvery`-th Logon has a SendingTime an hour off, so its session is
// created and never completes a Logon. A process of its own, so the flood's own work does not slow the test's
// measuring client. Prints one JSON line at the end: { loggedOn, refused, closed }.
// argv: port count concurrency prefix badEvery localAddress
import net from 'node:net';
import { encodeMessage } from '../../src/fix/encode.js';
import { Framer } from '../../src/fix/framer.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';

const [portText, countText, concurrencyText, prefix, badEveryText, localAddress] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const badEvery = Number(badEveryText);
const tally = { loggedOn: 0, refused: 0, closed: 0 };

function logonOnce(i: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    const framer = new Framer();
    let done = false;
    const finish = (what: keyof typeof tally) => {
      if (done) return;
      done = true;
      tally[what]++;
      socket.destroy();
      resolve();
    };
    socket.on('connect', () => {
      const sentMs = i % badEvery === badEvery - 1 ? Date.now() - 3_600_000 : Date.now();
      const header: Array<[number, string]> = [[34, '1'], [49, `${prefix}${i}`], [52, formatUtcTimestamp(sentMs)], [56, 'FIXGW']];
      socket.write(encodeMessage('FIX.4.4', 'A', header, [[98, '0'], [108, '30'], [141, 'Y']]));
    });
    socket.on('data', (b: Buffer) => {
      framer.push(b);
      for (let f = framer.next(); f !== null; f = framer.next()) {
        const text = f.bytes.toString('latin1');
        if (text.includes('\x0135=A\x01')) finish('loggedOn');
        else if (text.includes('\x0135=5\x01')) finish('refused');
      }
    });
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    setTimeout(() => finish('closed'), 20_000).unref();
  });
}

let next = 0;
async function worker(): Promise<void> {
  while (next < count) await logonOnce(next++);
}
await Promise.all(Array.from({ length: Number(concurrencyText) }, () => worker()));
process.stdout.write(`${JSON.stringify(tally)}\n`);
