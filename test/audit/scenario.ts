// Test support: one trading session story over real sockets, leaving a real data directory behind
// (journal, stores, message logs), plus helpers to copy and damage it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import type { Initiator } from '../../src/session/initiator.js';
import { buildEngineConfig } from '../../src/engine/index.js';
import { RecordingApp, startInitiator, waitFor } from '../support/fix-harness.js';
import { ContractGateway } from './contract-gateway.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const ENGINE_CONFIG = fileURLToPath(new URL('../../../config/engine.json', import.meta.url));
export const S1 = 'FIX.4.4:FIXGW->CLIENT1';
export const S2 = 'FIX.4.4:FIXGW->CLIENT2';

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `fixgw-audit-${label}-`));
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
  /** ClOrdIDs used, for the tests. */
  orderA: { first: string; replaced: string; canceled: string };
}

/**
 * CLIENT1 buys 100 AAPL @ 190 (A1); CLIENT2 sells 40 into it; CLIENT1 replaces to 150 (A2); CLIENT2 sells 30;
 * CLIENT1 cancels the rest (A3); CLIENT1 sends an order for an unknown symbol (rejected) and a cancel for an
 * unknown order (cancel reject); CLIENT2 rests a bid (B3). With offlineFill, CLIENT2 logs out and CLIENT1
 * sells into B3 (S1). Everyone logs out; the gateway stops.
 */
export async function runStory(dataDir: string, opts: { offlineFill?: boolean } = {}): Promise<Story> {
  const config = buildEngineConfig(JSON.parse(fs.readFileSync(ENGINE_CONFIG, 'utf8')), ENGINE_CONFIG);
  const gw = await ContractGateway.start(dataDir, config, ['CLIENT1', 'CLIENT2']);
  const apps = { c1: new RecordingApp(), c2: new RecordingApp() };
  const initiators: Initiator[] = [];
  try {
    const c1 = startInitiator({ port: gw.port, sender: 'CLIENT1', target: 'FIXGW', app: apps.c1 });
    const c2 = startInitiator({ port: gw.port, sender: 'CLIENT2', target: 'FIXGW', app: apps.c2 });
    initiators.push(c1, c2);
    await c1.waitForLogon();
    await c2.waitForLogon();
    const n = (app: RecordingApp, type: string): number => app.ofType(type).length;
    const order = (side: string, clOrdId: string, qty: string, px: string, symbol = 'AAPL'): [number, [number, string][]] =>
      [0, [[11, clOrdId], [55, symbol], [54, side], [60, '20260101-00:00:00'], [38, qty], [40, '2'], [44, px], [59, '0']]];
    const send = (i: Initiator, type: string, body: [number, string][]): void => { i.session.send(type, body); };

    // A1 carries a Parties group, so logs hold a repeating group to show.
    send(c1, 'D', [...order('1', 'A1', '100', '190.00')[1], [453, '2'], [448, 'TRADER1'], [447, 'D'], [452, '11'], [448, 'DESK7'], [447, 'D'], [452, '24']]);
    await waitFor('A1 new', () => n(apps.c1, '8') >= 1);
    send(c2, 'D', order('2', 'B1', '40', '190.00')[1]);
    await waitFor('B1 filled', () => n(apps.c2, '8') >= 2 && n(apps.c1, '8') >= 2);
    send(c1, 'G', [[11, 'A2'], [41, 'A1'], [55, 'AAPL'], [54, '1'], [60, '20260101-00:00:00'], [38, '150'], [40, '2'], [44, '190.00']]);
    await waitFor('A2 replaced', () => n(apps.c1, '8') >= 3);
    send(c2, 'D', order('2', 'B2', '30', '190.00')[1]);
    await waitFor('B2 filled', () => n(apps.c2, '8') >= 4 && n(apps.c1, '8') >= 4);
    send(c1, 'F', [[11, 'A3'], [41, 'A2'], [55, 'AAPL'], [54, '1'], [60, '20260101-00:00:00'], [38, '150']]);
    await waitFor('A3 canceled', () => n(apps.c1, '8') >= 5);
    send(c1, 'D', order('1', 'R1', '10', '5.00', 'NOPE')[1]);
    await waitFor('R1 rejected', () => n(apps.c1, '8') >= 6);
    send(c1, 'F', [[11, 'X1'], [41, 'NOSUCH'], [55, 'AAPL'], [54, '1'], [60, '20260101-00:00:00'], [38, '1']]);
    await waitFor('X1 cancel rejected', () => n(apps.c1, '9') >= 1);
    send(c2, 'D', order('1', 'B3', '10', '189.00')[1]);
    await waitFor('B3 new', () => n(apps.c2, '8') >= 5);
    if (opts.offlineFill) {
      // CLIENT2 leaves; CLIENT1 sells into its bid: the fill report for B3 is stored for CLIENT2, never sent.
      await c2.stop(1000);
      initiators.splice(initiators.indexOf(c2), 1);
      send(c1, 'D', order('2', 'S1', '10', '189.00')[1]);
      await waitFor('S1 filled', () => n(apps.c1, '8') >= 8);
    }
    await gw.flush();
  } finally {
    for (const i of initiators) await i.stop(1000);
    await gw.stop();
  }
  return { dataDir, orderA: { first: 'A1', replaced: 'A2', canceled: 'A3' } };
}
