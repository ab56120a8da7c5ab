// Logon authentication end to end through `fixgw serve`: a CompID that differs from a password-protected one only in
// characters a file name cannot hold gets its own session and nothing of the other's; authentication comes before
// anything that reads or changes the session's state; and every refused Logon looks the same to the peer (a Logout
// with MsgSeqNum 1), whether the CompID is unknown, not allowed or its password wrong, while the log says which.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Acceptor } from '../../src/session/acceptor.js';
import { MemoryStore } from '../../src/session/store.js';
import { NullLog } from '../../src/session/message-log.js';
import type { FixMessage } from '../../src/fix/message.js';
import type { FieldList } from '../../src/fix/types.js';
import { Client } from '../gateway/support.js';
import { fix44, RawClient, RecordingApp, sessionConfig, waitFor } from '../support/fix-harness.js';
import { gatewayCfg, httpJson, serve, type Served } from '../support/served.js';

const PASSWORD = 'bank-1-secret';
const CFG = `${gatewayCfg({ MaxMessagesPerSecond: 100_000, MaxLogonFailures: 0 })}
[SESSION]
TargetCompID=BANK_1
Password=${PASSWORD}
[SESSION]
TargetCompID=PW2
Password=other
AllowedAddresses=10.0.0.0/8
`;

interface SessionRow { key: string; nextSenderSeq: number; nextTargetSeq: number }

async function sessionRow(gw: Served, key: string): Promise<SessionRow | undefined> {
  const { sessions } = await httpJson<{ sessions: SessionRow[] }>(gw.httpPort, '/api/v1/sessions');
  return sessions.find((s) => s.key === key);
}

async function withServe(cfg: string, body: (gw: Served, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-auth-'));
  const gw = await serve(dir, 0, { cfg });
  try {
    await body(gw, dir);
    assert.equal(gw.proc.exitCode, null, gw.output().slice(-2000));
  } finally {
    gw.proc.kill('SIGKILL');
    await gw.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Logs on raw as `compId` with `body` extras; resolves once answered or closed. */
async function rawLogon(port: number, compId: string, seq: number, extra: FieldList = [], target = 'FIXGW'): Promise<RawClient> {
  const c = await RawClient.connect(port);
  c.send('A', seq, [[98, '0'], [108, '30'], ...extra], { sender: compId, target });
  await waitFor(`${compId} answered or closed`, () => c.closed || c.received.length > 0, 10_000);
  return c;
}

/** A refusal as the peer sees it: its fields apart from SendingTime(52), and BodyLength(9) and CheckSum(10) that
 *  follow from the rest. */
function shape(m: FixMessage): string {
  return [...m.fields()].filter(([t]) => t !== 9 && t !== 52 && t !== 10).map(([t, v]) => `${t}=${v}`).join('|');
}

test('BANK/1 and BANK:1 get sessions of their own: nothing of password-protected BANK_1 is sent to them, and 141=Y resets only their own store', async () => {
  await withServe(CFG, async (gw, dir) => {
    const bank = await Client.logon(gw.fixPort, 'BANK_1', { password: PASSWORD });
    bank.order('B1', { symbol: 'IBM', side: '1', qty: '5', price: '180.00' });
    assert.equal((await bank.reports('B1'))[0]!.get(150), '0');
    await bank.stop();
    const before = await sessionRow(gw, 'FIX.4.4:FIXGW->BANK_1');
    assert.ok(before !== undefined && before.nextSenderSeq > 2 && before.nextTargetSeq > 2, JSON.stringify(before));

    for (const [compId, reset] of [['BANK/1', false], ['BANK:1', true]] as const) {
      const c = await rawLogon(gw.fixPort, compId, 1, reset ? [[141, 'Y']] : []);
      const logon = await c.next('A');
      assert.equal(logon.get(34), '1', `${compId} has a store of its own: it starts at 1`);
      c.send('2', 2, [[7, '1'], [16, '0']], { sender: compId });
      c.send('1', 3, [[112, 'after-resend']], { sender: compId });
      await c.next('0');
      assert.deepEqual(c.received.filter((m) => m.msgType === '8'), [], `${compId} got BANK_1's ExecutionReports`);
      c.close();
    }
    assert.deepEqual(await sessionRow(gw, 'FIX.4.4:FIXGW->BANK_1'), before, 'BANK_1 unchanged');
    const stores = readdirSync(path.join(dir, 'data', 'store')).filter((f) => f.startsWith('FIX.4.4-FIXGW-BANK') && f.endsWith('.seqnums')).sort();
    assert.deepEqual(stores, ['FIX.4.4-FIXGW-BANK%2F1.seqnums', 'FIX.4.4-FIXGW-BANK%3A1.seqnums', 'FIX.4.4-FIXGW-BANK_1.seqnums']);
    assert.ok(existsSync(path.join(dir, 'data', 'log', 'FIX.4.4-FIXGW-BANK%2F1.messages.log')));

    // BANK_1 carries on where it left off
    const again = await rawLogon(gw.fixPort, 'BANK_1', before!.nextTargetSeq, [[554, PASSWORD]]);
    assert.equal((await again.next('A')).get(34), String(before!.nextSenderSeq));
    again.close();
  });
});

test('a Logon with a wrong password is refused before any sequence check: the Logout tells nothing of the session, and 141=Y resets nothing', async () => {
  await withServe(CFG, async (gw) => {
    const bank = await Client.logon(gw.fixPort, 'BANK_1', { password: PASSWORD });
    for (let i = 0; i < 3; i++) bank.order(`S${i}`, { symbol: 'IBM', side: '1', qty: '1', price: '170.00' });
    await bank.reports('S2');
    await bank.stop();
    const before = await sessionRow(gw, 'FIX.4.4:FIXGW->BANK_1');

    for (const extra of [[[554, 'guess']], [], [[554, 'guess'], [141, 'Y']]] as FieldList[]) {
      const c = await rawLogon(gw.fixPort, 'BANK_1', 1, extra);
      const logout = await c.next('5');
      assert.doesNotMatch(logout.get(58) ?? '', /expect|seq/i);
      assert.equal(logout.get(58), 'Invalid username or password');
      assert.equal(logout.get(34), '1', 'the session\'s own MsgSeqNum is not revealed');
      await waitFor('closed', () => c.closed);
    }
    assert.deepEqual(await sessionRow(gw, 'FIX.4.4:FIXGW->BANK_1'), before, 'no sequence number used up or reset');
  });
});

test('an unknown CompID, a CompID refused by address and a wrong password get the same Logout; the log tells them apart', async () => {
  const cfg = CFG.replace('TargetCompID=*\n', 'TargetCompID=*\nAllowedCompIDs=GOOD1\n');
  await withServe(cfg, async (gw) => {
    const bank = await Client.logon(gw.fixPort, 'BANK_1', { password: PASSWORD });
    await bank.stop();
    const before = await sessionRow(gw, 'FIX.4.4:FIXGW->BANK_1');
    const tries: Array<[string, string, FieldList]> = [
      ['BANK_1', 'FIXGW', [[554, 'wrong']]], // known, wrong password
      ['NOSUCH', 'FIXGW', [[554, 'wrong']]], // not allowed on the template
      ['PW2', 'FIXGW', [[554, 'wrong']]], // known, address not allowed
      ['BANK_1', 'NOGW', [[554, 'wrong']]], // no such session at all
    ];
    const shapes: string[] = [];
    for (const [compId, target, extra] of tries) {
      const c = await rawLogon(gw.fixPort, compId, 7, extra, target);
      const logout = await c.next('5');
      await waitFor(`${compId} closed`, () => c.closed);
      assert.equal(c.received.length, 0, 'one Logout, nothing else');
      shapes.push(shape(logout).replace(`56=${compId}`, '56=*').replace(`49=${target}`, '49=*'));
    }
    assert.equal(new Set(shapes).size, 1, shapes.join('\n'));
    assert.match(shapes[0]!, /^8=FIX\.4\.4\|35=5\|34=1\|49=\*\|56=\*\|58=Invalid username or password$/);
    assert.deepEqual(await sessionRow(gw, 'FIX.4.4:FIXGW->BANK_1'), before);
    // the process log is written asynchronously: the last refusal's line may follow its Logout by a moment
    await waitFor('the four refusals in the log', () => /FIX\.4\.4:NOGW->BANK_1: unknown session/.test(gw.output()));
    const out = gw.output();
    assert.match(out, /FIX\.4\.4:FIXGW->BANK_1: wrong password/);
    assert.match(out, /FIX\.4\.4:FIXGW->NOSUCH: CompID NOSUCH is not allowed/);
    assert.match(out, /FIX\.4\.4:FIXGW->PW2: source address 127\.0\.0\.1 is not allowed/);
    assert.match(out, /FIX\.4\.4:NOGW->BANK_1: unknown session/);
  });
});

test('an application that refuses a Logon is asked before the session checks sequence numbers or honours 141=Y', async () => {
  const app = new RecordingApp();
  let asked = 0;
  Object.assign(app, { onLogonRequest: () => { asked++; return { kind: 'rejectLogon', text: 'not you' }; } });
  const store = new MemoryStore(Date.now());
  store.setNextTargetSeq(5);
  store.setNextSenderSeq(9);
  const acceptor = await Acceptor.start({
    port: 0, host: '127.0.0.1', dictionary: fix44(), application: app,
    sessions: [{ config: sessionConfig({ beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: 'KNOWN' }), dynamic: false }],
    openStore: () => store, openLog: () => new NullLog(),
  });
  const clients: RawClient[] = [];
  try {
    for (const extra of [[], [[141, 'Y']]] as FieldList[]) {
      const c = await rawLogon(acceptor.port, 'KNOWN', 1, extra);
      clients.push(c);
      const logout = await c.next('5');
      assert.equal(logout.get(58), 'not you', 'refused for who it is, not for its MsgSeqNum');
    }
    assert.equal(asked, 2);
    assert.equal(store.nextTargetSeq, 5, 'nothing reset');
  } finally {
    for (const c of clients) c.close();
    await acceptor.stop();
  }
});
