// The audit's journal check on the end of the last segment: the zeros a running gateway's journal preallocates
// (fsync always) are no finding, while bytes of a record a crash cut short are a journal-torn warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, statSync } from 'node:fs';
import { JournalCheck, type JournalFinding } from '../../src/audit/journal-check.js';
import { defaultEngineConfigPath, journalDirOf, listSegments, loadEngineConfig, openEngine } from '../../src/engine/index.js';
import { tempDirs } from '../support/temp-dirs.js';

const tmpDir = tempDirs('fixgw-audit-torn-');
const config = loadEngineConfig(defaultEngineConfigPath());

test('zeros after the last record (a running journal\'s preallocation) are no finding; a record cut short is a journal-torn warning', async () => {
  const dataDir = tmpDir();
  const opened = await openEngine({ dataDir, config, fsync: 'always', clock: () => 1_700_000_000_000 });
  for (let i = 0; i < 50; i++) {
    opened.sequencer.submit({ type: 'NewOrder', session: 'FIX.4.4:FIXGW->AUDIT1', clOrdId: `Z${i}`, symbol: 'AAPL', side: i % 2 === 0 ? 'Buy' : 'Sell',
      ordType: 'Limit', timeInForce: 'Day', price: i % 2 === 0 ? '150.00' : '151.00', orderQty: '10' });
    if (i % 10 === 9) await opened.sequencer.flush();
  }
  const segment = listSegments(journalDirOf(dataDir))[0]!.path;
  // while the gateway runs, the segment is longer than its records (checked before it closes)
  for (let waited = 0; opened.journal.preallocations < 1; waited += 5) {
    assert.ok(waited < 10_000, 'preallocated');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const running: JournalFinding[] = [];
  const live = new JournalCheck(dataDir, config, (f) => running.push(f));
  assert.equal(live.commands, 50);
  assert.deepEqual(running, [], 'zeros after the last record are not damage');
  assert.ok(statSync(segment).size > 50 * 60, 'zeros after the records');
  await opened.sequencer.close();

  appendFileSync(segment, Buffer.from([0x40, 0, 0, 0, 9, 9, 9])); // a record cut short by a crash
  const findings: JournalFinding[] = [];
  new JournalCheck(dataDir, config, (f) => findings.push(f));
  const torn = findings.filter((f) => f.code === 'journal-torn');
  assert.equal(torn.length, 1, JSON.stringify(findings));
  assert.match(torn[0]!.text, /^7 bytes after the last whole record \(seq 50\)/);
});
