// Several message logs read as one stream in time order: a merge of the files' streams (each in its own line
// order), so the sessions of a gateway, or both ends of one session, read as they happened. Problems and messages
// without a time come out as soon as they are at the head of their file, next to their neighbours.
import { readLogBatches, type LogItem, type ReadOptions } from './log-messages.js';

/** Files merged at once at most: each holds one read chunk (up to 1 MiB) in memory while merging. */
export const MERGE_FILES_MAX = 64;
/** Items handed on per batch (one await per batch, as readLogBatches). */
const OUT_BATCH = 1024;

interface Head { it: AsyncIterator<LogItem[]>; batch: LogItem[]; i: number }

async function advance(h: Head): Promise<boolean> {
  while (h.i >= h.batch.length) {
    const next = await h.it.next();
    if (next.done === true) return false;
    h.batch = next.value;
    h.i = 0;
  }
  return true;
}

/** The time that orders an item, or undefined when it goes out at once. */
function timeOf(item: LogItem): number | undefined {
  return item.kind === 'message' ? item.m.timeUs : undefined;
}

export async function* readLogsByTime(files: readonly string[], opts: ReadOptions = {}): AsyncGenerator<LogItem[]> {
  if (files.length > MERGE_FILES_MAX) throw new Error(`${files.length} logs: at most ${MERGE_FILES_MAX} are merged in time order`);
  let heads: Head[] = files.map((f) => ({ it: readLogBatches([f], opts)[Symbol.asyncIterator](), batch: [], i: 0 }));
  let out: LogItem[] = [];
  for (;;) {
    const live: Head[] = [];
    for (const h of heads) if (await advance(h)) live.push(h);
    heads = live;
    if (heads.length === 0) break;
    // Untimed items at any head first; then the earliest timed one (ties: the file given first).
    let best: Head | undefined;
    for (const h of heads) {
      const t = timeOf(h.batch[h.i]!);
      if (t === undefined) { best = h; break; }
      if (best === undefined || t < timeOf(best.batch[best.i]!)!) best = h;
    }
    out.push(best!.batch[best!.i++]!);
    if (out.length >= OUT_BATCH) { yield out; out = []; }
  }
  if (out.length > 0) yield out;
}
