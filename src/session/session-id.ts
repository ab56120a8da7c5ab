// Identity of a FIX session (QuickFIX style) and the two textual forms we derive from it:
// a map key for lookups and a file-name stem for stores and logs.

export interface SessionId {
  beginString: string;
  senderCompId: string;
  targetCompId: string;
}

/** 'FIX.4.4:FIXGW->CLIENT1' — the QuickFIX SessionID string; unique per session. */
export function sessionKey(id: SessionId): string {
  return `${id.beginString}:${id.senderCompId}->${id.targetCompId}`;
}

/** 'FIX.4.4-FIXGW-CLIENT1' — QuickFIX file naming. Characters that are unsafe in a file name
 *  (path separators, control characters, ':' and the like) become '_', so a hostile CompID can
 *  never escape the store directory. */
export function fileSafeName(id: SessionId): string {
  return [id.beginString, id.senderCompId, id.targetCompId].map(safePart).join('-');
}

function safePart(part: string): string {
  const cleaned = part.replace(/[^A-Za-z0-9._\-]/g, '_');
  if (cleaned === '') return '_';
  // '.' and '..' alone would be directory references.
  if (cleaned === '.' || cleaned === '..') return cleaned.replace(/\./g, '_');
  return cleaned;
}
