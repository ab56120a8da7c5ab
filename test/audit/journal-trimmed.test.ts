// The audit's journal check on a journal trimmed by JournalRetention=snapshot: it cannot replay from seq 1, so it
// replays from the latest snapshot, says so in a warning naming the first segment, and checks what comes after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JournalCheck, type JournalFinding } from '../../src/audit/journal-check.js';
import { defaultEngineConfigPath, journalDirOf, listSegments, loadEngineConfig, openEngine } from '../../src/engine/index.js';

test('a journal trimmed by retention is checked from the latest snapshot, with a warning that earlier reports cannot be checked', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-audit-trimmed-'));
  try {
    const config = loadEngineConfig(defaultEngineConfigPath());
    const opened = await openEngine({ dataDir, config, fsync: 'none', journalSegmentBytes: 4096, journalRetention: 'snapshot', clock: () => 1_700_000_000_000 });
    for (let i = 0; i < 400; i++) {
      opened.sequencer.submit({ type: 'NewOrder', session: 'FIX.4.4:FIXGW->AUDIT1', clOrdId: `A${i}`, symbol: 'AAPL', side: i % 2 === 0 ? 'Buy' : 'Sell',
        ordType: 'Limit', timeInForce: 'Day', price: i % 2 === 0 ? '150.00' : '151.00', orderQty: '10' });
      if (i % 20 === 19) await opened.sequencer.flush();
      if (i + 1 === 200 || i + 1 === 300) opened.snapshot();
    }
    await opened.sequencer.close();
    const first = listSegments(journalDirOf(dataDir))[0]!;
    assert.ok(first.firstSeq > 1);

    const findings: JournalFinding[] = [];
    const check = new JournalCheck(dataDir, config, (f) => findings.push(f));
    const trimmed = findings.filter((f) => f.code === 'journal-trimmed');
    assert.equal(trimmed.length, 1, JSON.stringify(findings));
    assert.equal(trimmed[0]!.severity, 'warning');
    assert.equal(trimmed[0]!.file, first.path);
    assert.equal(trimmed[0]!.seq, first.firstSeq);
    assert.match(trimmed[0]!.text, /replayed from snapshot seq 300; reports of commands up to seq 300 cannot be checked/);
    assert.equal(check.commands, 100, 'the commands after the snapshot were replayed');
    assert.deepEqual(findings.filter((f) => f.severity === 'error'), []);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
