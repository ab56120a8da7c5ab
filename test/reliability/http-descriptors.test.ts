// HTTP connections count against the file-descriptor reserve (src/session/descriptors.ts) like FIX connections do:
// a flood of connections to the HTTP port of `fixgw serve` under `ulimit -n 256` is closed at once past the reserve,
// logged once per burst, and the journal (a new segment file every few dozen orders here) and a trading session
// carry on. Before, HTTP connections took every descriptor, and the journal's next segment could not be opened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '../gateway/support.js';
import { gatewayCfg, serve } from '../support/served.js';

const DESCRIPTORS_MAX = 256;
const HTTP_CONNECTIONS = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(`a flood of HTTP connections under ulimit -n ${DESCRIPTORS_MAX} stops at the descriptor reserve: the journal and FIX carry on`, { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-http-fd-'));
  const cfg = gatewayCfg({ MaxMessagesPerSecond: 100_000, JournalSegmentBytes: 4096, SnapshotEveryCommands: 0, SnapshotWorker: 'N' });
  const gw = await serve(dir, 0, { cfg, fileDescriptorsMax: DESCRIPTORS_MAX });
  const trader = await Client.logon(gw.fixPort, 'HTTPFD');
  const sockets: net.Socket[] = [];
  try {
    let closedAtOnce = 0;
    for (let i = 0; i < HTTP_CONNECTIONS; i++) {
      const socket = net.connect({ host: '127.0.0.1', port: gw.httpPort });
      socket.on('error', () => undefined);
      socket.on('close', () => { closedAtOnce++; });
      sockets.push(socket);
      if (i % 50 === 49) await sleep(50);
    }
    await sleep(500);
    // Orders go on while the connections are held: the journal opens a new 4 KiB segment every few dozen records.
    for (let i = 0; i < 300; i++) {
      trader.order(`H${i}`, { symbol: 'IBM', side: '1', qty: '1', price: '100.00' });
      if (i % 20 === 19) await trader.reports(`H${i}`, 1, 15_000);
    }
    assert.equal((await trader.reports('H299', 1, 15_000))[0]!.get(150), '0', 'the trader is served');
    assert.equal(gw.proc.exitCode, null, gw.output().slice(-3000));
    assert.ok(closedAtOnce > 0, 'HTTP connections past the reserve were closed');
    const lines = gw.output().split('\n').filter((l) => /file descriptors|EMFILE/.test(l));
    assert.ok(lines.length >= 1 && lines.length <= 3, `running out is logged once per burst:\n${lines.join('\n')}`);
  } finally {
    for (const s of sockets) s.destroy();
    await trader.stop().catch(() => undefined);
    gw.proc.kill('SIGKILL');
    await gw.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
