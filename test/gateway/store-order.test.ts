// Stored before visible, across sessions: the gateway's session stores batch their writes, and a fill's
// report for a client that is away must be in that client's store files before the other side of the
// trade is written its report. Checked at the point where the gateway's sockets hand bytes to the kernel,
// on a copy of the away client's store files taken right then (what a SIGKILL would leave).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FileStore } from '../../src/session/file-store.js';
import { fileSafeName, type SessionId } from '../../src/session/session-id.js';
import { Framer } from '../../src/fix/framer.js';
import { parseMessage } from '../../src/fix/message.js';
import { Client, startTestGateway } from './support.js';

const AWAY: SessionId = { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: 'AWAY1' };

function crashCopyOf(storeDir: string, id: SessionId): FileStore {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'fixgw-crashcopy-'));
  const stem = fileSafeName(id);
  for (const ext of ['session', 'body', 'header', 'seqnums']) {
    const from = path.join(storeDir, `${stem}.${ext}`);
    if (fs.existsSync(from)) fs.copyFileSync(from, path.join(copy, `${stem}.${ext}`));
  }
  const store = FileStore.open(copy, id, { nowMs: Date.now() });
  fs.rmSync(copy, { recursive: true, force: true }); // the fds stay valid
  return store;
}

/** ExecTypes (150) of the ExecutionReports in these bytes whose ClOrdID is clOrdId. */
function execTypesFor(bytes: Buffer[], clOrdId: string): string[] {
  const framer = new Framer();
  for (const b of bytes) framer.push(b);
  const out: string[] = [];
  for (let f = framer.next(); f !== null; f = framer.next()) {
    const m = parseMessage(f.bytes);
    if (!('garbled' in m) && m.msgType === '8' && m.get(11) === clOrdId) out.push(m.get(150)!);
  }
  return out;
}

test("a fill's report for a client that is away is in its store before the counterparty's fill is written", async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixgw-storeorder-'));
  const gw = await startTestGateway({ dataDir });
  const storeDir = path.join(dataDir, 'store');
  const proto = net.Socket.prototype as unknown as { _write: Function; _writev: Function };
  const { _write, _writev } = proto;
  const checks: Array<{ counterpartyFill: boolean; awayStoredFill: boolean }> = [];
  const check = (socket: net.Socket, chunks: Buffer[]) => {
    if (socket.localPort !== gw.fixPort) return; // only the gateway's side of its connections
    if (!execTypesFor(chunks, 'B1').includes('F')) return;
    const copy = crashCopyOf(storeDir, AWAY);
    const stored = copy.readRange(1, 1000, 1000).map((r) => r.bytes);
    copy.close();
    checks.push({ counterpartyFill: true, awayStoredFill: execTypesFor(stored, 'A1').includes('F') });
  };
  let a: Client | undefined;
  let b: Client | undefined;
  try {
    a = await Client.logon(gw.fixPort, 'AWAY1');
    a.order('A1', { symbol: 'IBM', side: '2', qty: '10', price: '180.00' });
    await a.reports('A1');
    await a.stop();
    b = await Client.logon(gw.fixPort, 'HERE1');
    proto._write = function (this: net.Socket, chunk: Buffer, encoding: BufferEncoding, cb: Function) {
      check(this, [chunk]);
      return _write.call(this, chunk, encoding, cb);
    };
    proto._writev = function (this: net.Socket, chunks: Array<{ chunk: Buffer }>, cb: Function) {
      check(this, chunks.map((c) => c.chunk));
      return _writev.call(this, chunks, cb);
    };
    b.order('B1', { symbol: 'IBM', side: '1', qty: '10', price: '180.00' });
    const fills = await b.reports('B1', 2);
    assert.equal(fills[1]!.get(150), 'F');
    assert.deepEqual(checks, [{ counterpartyFill: true, awayStoredFill: true }]);
  } finally {
    proto._write = _write;
    proto._writev = _writev;
    await b?.stop();
    await gw.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
