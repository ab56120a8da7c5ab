// Test support: one trading story on the real gateway over real sockets, leaving a real data directory
// behind (journal, stores, message logs), plus helpers to copy and damage it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import type { FieldList } from '../../src/fix/types.js';
import { FileStore } from '../../src/session/file-store.js';
import { BASE_CFG, Client, startTestGateway } from '../gateway/support.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const S1 = 'FIX.4.4:FIXGW->CLIENT1';
export const S2 = 'FIX.4.4:FIXGW->CLIENT2';

const createdDirs: string[] = [];
// Temp directories live as long as the test file's process.
process.on('exit', () => { for (const dir of createdDirs) fs.rmSync(dir, { recursive: true, force: true }); });

export function tempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fixgw-audit-${label}-`));
  createdDirs.push(dir);
  return dir;
}

export function copyDir(from: string, label: string): string {
  const to = tempDir(label);
  fs.cpSync(from, to, { recursive: true });
  return to;
}

export function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The message log of a session in a data dir. */
export function messageLog(dataDir: string, client: string): string {
  return path.join(dataDir, 'log', `FIX.4.4-FIXGW-${client}.messages.log`);
}

/** Lines of a log file (without the final empty string). */
export function logLines(file: string): string[] {
  const text = fs.readFileSync(file, 'latin1');
  return text.split('\n').slice(0, -1);
}

export function writeLines(file: string, lines: string[]): void {
  fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''), 'latin1');
}

/** Re-frame a FIX message after editing it: correct BodyLength and CheckSum (a careful forger). */
export function reframe(raw: string): string {
  const fields = raw.split('\x01').filter((f) => f !== '');
  const body = fields.filter((f) => !f.startsWith('8=') && !f.startsWith('9=') && !f.startsWith('10=')).map((f) => `${f}\x01`).join('');
  const head = `${fields[0]}\x019=${body.length}\x01`;
  let sum = 0;
  for (const c of Buffer.from(head + body, 'latin1')) sum += c;
  return `${head}${body}10=${String(sum % 256).padStart(3, '0')}\x01`;
}

export interface Story {
  dataDir: string;
}

/**
 * On the real gateway: CLIENT1 buys 100 AAPL @ 190 (A1, with a Parties group); CLIENT2 sells 40 into it;
 * CLIENT1 replaces to 150 (A2); CLIENT2 sells 30; CLIENT1 cancels the rest (A3); CLIENT1 sends an order for
 * an unknown symbol (R1, rejected) and a cancel for an unknown order (X1, cancel reject); CLIENT2 rests a
 * bid (B3). With offlineFill, CLIENT2 logs out and CLIENT1 sells into B3 (S1); with comeBack, CLIENT2 then
 * logs on again and is resent the fill. Everyone logs out; the gateway closes.
 */
export async function runStory(dataDir: string, opts: { offlineFill?: boolean; comeBack?: boolean } = {}): Promise<Story> {
  const gw = await startTestGateway({ cfg: BASE_CFG, dataDir });
  const clients: Client[] = [];
  try {
    const c1 = await Client.logon(gw.fixPort, 'CLIENT1');
    clients.push(c1);
    // CLIENT2 keeps its sequence numbers across a reconnect in its own file store.
    const c2StoreDir = tempDir('client2-store');
    const c2Store = (): FileStore => FileStore.open(c2StoreDir, { beginString: 'FIX.4.4', senderCompId: 'CLIENT2', targetCompId: 'FIXGW' }, { nowMs: Date.now() });
    const c2 = await Client.logon(gw.fixPort, 'CLIENT2', { store: c2Store() });
    clients.push(c2);
    const order = (side: string, clOrdId: string, qty: string, px: string, symbol = 'AAPL'): FieldList =>
      [[11, clOrdId], [55, symbol], [54, side], [60, '20260101-00:00:00'], [38, qty], [40, '2'], [44, px], [59, '0']];

    // A1 carries a Parties group, so the logs hold a repeating group to show.
    c1.send('D', [...order('1', 'A1', '100', '190.00'), [453, '2'], [448, 'TRADER1'], [447, 'D'], [452, '11'], [448, 'DESK7'], [447, 'D'], [452, '24']]);
    await c1.reports('A1', 1);
    c2.send('D', order('2', 'B1', '40', '190.00'));
    await c2.reports('B1', 2);
    await c1.reports('A1', 2);
    c1.send('G', [[11, 'A2'], [41, 'A1'], [55, 'AAPL'], [54, '1'], [60, '20260101-00:00:00'], [38, '150'], [40, '2'], [44, '190.00']]);
    await c1.reports('A2', 1);
    c2.send('D', order('2', 'B2', '30', '190.00'));
    await c2.reports('B2', 2);
    await c1.reports('A2', 2);
    c1.send('F', [[11, 'A3'], [41, 'A2'], [55, 'AAPL'], [54, '1'], [60, '20260101-00:00:00'], [38, '150']]);
    await c1.reports('A3', 1);
    c1.send('D', order('1', 'R1', '10', '5.00', 'NOPE'));
    await c1.reports('R1', 1);
    c1.send('F', [[11, 'X1'], [41, 'NOSUCH'], [55, 'AAPL'], [54, '1'], [60, '20260101-00:00:00'], [38, '1']]);
    await c1.next('9');
    c2.send('D', order('1', 'B3', '10', '189.00'));
    await c2.reports('B3', 1);
    if (opts.offlineFill === true) {
      // CLIENT2 leaves; CLIENT1 sells into its bid: the fill report for B3 is stored for CLIENT2, never sent.
      await c2.stop();
      clients.splice(clients.indexOf(c2), 1);
      c1.send('D', order('2', 'S1', '10', '189.00'));
      await c1.reports('S1', 2);
      if (opts.comeBack === true) {
        // CLIENT2 logs on again: it asks for what it missed and gets the fill resent (PossDupFlag=Y).
        const again = await Client.logon(gw.fixPort, 'CLIENT2', { store: c2Store() });
        clients.push(again);
        await again.next('8', (m) => m.get(11) === 'B3' && m.get(150) === 'F');
      }
    }
  } finally {
    for (const c of clients) await c.stop();
    await gw.close();
  }
  return { dataDir };
}
