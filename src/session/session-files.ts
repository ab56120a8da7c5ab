// A session's files on disk, beyond reading and writing them: files written under the name older versions gave them
// (every character outside [A-Za-z0-9._-] became '_', which let CompIDs share files) are renamed to the session's
// injective name when they are its own; and new files are made ahead, in the thread pool.
import fs from 'node:fs';
import path from 'node:path';
import { fileSafeName, legacyFileSafeName, legacyNameIsOwn, type SessionId } from './session-id.js';

/** Renames `<legacy name><suffix>` to `<name><suffix>` for every suffix when the session has no file under its name
 *  yet and the old name was its own (only a '-' in the BeginString or SenderCompID changes the name then). */
export function adoptLegacyFiles(dir: string, id: SessionId, suffixes: readonly string[]): void {
  const stem = fileSafeName(id);
  const legacy = legacyFileSafeName(id);
  if (legacy === stem || !legacyNameIsOwn(id)) return;
  if (suffixes.some((s) => fs.existsSync(path.join(dir, stem + s)))) return;
  for (const s of suffixes) {
    const from = path.join(dir, legacy + s);
    if (fs.existsSync(from)) fs.renameSync(from, path.join(dir, stem + s));
  }
}

/** Creates `file` empty unless it exists (O_CREAT without O_TRUNC: a file in use is never cut), in the thread pool:
 *  creating a file can take milliseconds, too long for the event loop when many sessions are new at once. */
export async function createIfAbsent(file: string): Promise<void> {
  const handle = await fs.promises.open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644);
  await handle.close();
}
