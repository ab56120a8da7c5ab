// The seam: the stations of the order path run over any command sequencer. Here the log is in memory (MemoryCommandLog
// under the Sequencer) and the session stores too: FIX in over a real socket, ExecutionReports out, a trade between
// two clients, a resent order answered with its status, a mass cancel refused, and not one file written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { Dictionary } from '../../src/fix/dictionary.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import { Engine, MemoryCommandLog, Sequencer } from '../../src/engine/index.js';
import { parseGatewaySettings, startOrderPath } from '../../src/gateway/index.js';
import { NullLog } from '../../src/session/message-log.js';
import { MemoryStore } from '../../src/session/store.js';
import { defaultEngineConfig } from '../support/served.js';
import { BASE_CFG, Client } from './support.js';

test('the stations over an in-memory command log: orders in over FIX, ExecutionReports out, no file written', async () => {
  const cwd = process.cwd();
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-seam-'));
  process.chdir(dir); // anything written to a relative path would land here
  const engine = new Engine(defaultEngineConfig());
  const sequencer = new Sequencer(engine, { log: new MemoryCommandLog() });
  const orderPath = await startOrderPath({
    settings: parseGatewaySettings(BASE_CFG), sequencer, engine, pendingMax: 10_000,
    dictionary: Dictionary.load(fileURLToPath(new URL('../../../fix-specs/FIX44.xml', import.meta.url))),
    openStore: () => new MemoryStore(Date.now()), openLog: () => new NullLog(), registry: new Registry(),
    log: pino({ level: 'silent' }), fixPort: 0, host: '127.0.0.1', idleSpinMicros: 0, fsync: false, clock: Date.now,
    expiryCheckIntervalMs: 250, endOfDayDir: undefined,
  });
  const port = orderPath.acceptor.port;
  const [a, b] = [await Client.logon(port, 'SEAM1'), await Client.logon(port, 'SEAM2')];
  try {
    a.order('A1', { symbol: 'IBM', side: '2', qty: '10', price: '180.00' });
    assert.equal((await a.reports('A1'))[0]!.get(150), '0');
    b.order('B1', { symbol: 'IBM', side: '1', qty: '10', price: '180.00', extra: [[18, '6']] });
    const [bAck] = await b.reports('B1');
    assert.deepEqual([bAck!.get(150), bAck!.get(39), bAck!.get(18)], ['8', '8', '6'], 'post-only that would take: rejected, ExecInst echoed');
    b.order('B2', { symbol: 'IBM', side: '1', qty: '10', price: '180.00' });
    const bFill = (await b.reports('B2', 2))[1]!;
    const aFill = (await a.reports('A1', 2))[1]!;
    assert.deepEqual([bFill.get(150), bFill.get(39), bFill.get(31), aFill.get(150), aFill.get(39)], ['F', '2', '180.00', 'F', '2']);
    // a resend of an order the engine knows is answered with its status, not entered again
    b.send('D', [[11, 'B2'], [55, 'IBM'], [54, '1'], [60, formatUtcTimestamp(Date.now())], [38, '10'], [40, '2'], [44, '180.00']], [[97, 'Y']]);
    assert.equal((await b.reports('B2', 3))[2]!.get(150), 'I');
    // answered by the order entry station itself, in order
    b.send('q', [[11, 'M1'], [530, '3'], [60, formatUtcTimestamp(Date.now())]]);
    const refused = await b.next('r');
    assert.deepEqual([refused.get(531), refused.get(532)], ['0', '0']);
    assert.equal(sequencer.lastAppliedSeq, 4, 'A1, B1, B2 and the status request went through the log');
    assert.deepEqual(orderPath.sessionsInfo().map((s) => s.state), ['logged-on', 'logged-on']);
  } finally {
    await a.stop();
    await b.stop();
    await orderPath.close(500);
    await sequencer.close();
    process.chdir(cwd);
  }
  assert.deepEqual(readdirSync(dir), [], 'no journal, store or log file');
  rmSync(dir, { recursive: true, force: true });
});
