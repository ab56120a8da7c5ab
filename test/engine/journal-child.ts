// Child process for the crash test: journals a seeded random command stream as fast as it can (large batches,
// fsync per argv) and prints "applied <seq>" whenever events become visible. The parent SIGKILLs it mid-run.
// argv: dataDir seed count fsync [journalSegmentBytes]
import { loadEngineConfig } from '../../src/engine/config.js';
import { openEngine } from '../../src/engine/data-dir.js';
import type { FsyncPolicy } from '../../src/engine/journal.js';
import { CONFIG_PATH } from './harness.js';
import { randomCommands } from './random-commands.js';

const [dataDir, seedText, countText, fsync, segmentBytesText] = process.argv.slice(2);
const commands = randomCommands(Number(seedText), Number(countText));
let nowMs = commands[0]!.timeMs;
const { sequencer } = await openEngine({ dataDir: dataDir!, config: loadEngineConfig(CONFIG_PATH), fsync: fsync as FsyncPolicy,
  clock: () => nowMs, batchCommandsMax: 50_000, ...(segmentBytesText === undefined ? {} : { journalSegmentBytes: Number(segmentBytesText) }) });
let lastPrinted = 0;
sequencer.onEvents((sc) => {
  // Pipes are synchronous on Linux: once this line is written, the parent may rely on it.
  if (sc.seq - lastPrinted >= 100) {
    process.stdout.write(`applied ${sc.seq}\n`);
    lastPrinted = sc.seq;
  }
});
const BURST = 20_000;
for (let i = 0; i < commands.length; i++) {
  nowMs = commands[i]!.timeMs;
  sequencer.submit(commands[i]!.cmd);
  if ((i + 1) % BURST === 0) {
    while (sequencer.lastSubmittedSeq - sequencer.lastAppliedSeq > BURST) await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
await sequencer.close();
process.stdout.write('done\n');
