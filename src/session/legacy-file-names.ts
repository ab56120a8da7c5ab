// Files of a session written under the name older versions gave it (every character outside [A-Za-z0-9._-] became
// '_', which let CompIDs share files): renamed to the session's injective name on open, when they are its own.
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
