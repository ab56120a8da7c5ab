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

/** Longest stem: NAME_MAX (255) less the longest suffix a file of a session gets ('.messages.log'). */
const STEM_CHARS_MAX = 240;

/**
 * 'FIX.4.4-FIXGW-CLIENT1' — QuickFIX file naming, and an injective one: two sessions never share a file. Within a
 * part, [A-Za-z0-9._] stay as they are (and '-' in the last part, the client's CompID); every other character
 * becomes %XX (its code, two hex digits) or %uXXXX (above 0xFF). So the first two '-' separate the parts, no name
 * holds a path separator, and BANK/1, BANK:1 and BANK_1 get three names. Throws when the name would be too long.
 */
export function fileSafeName(id: SessionId): string {
  const stem = `${escapePart(id.beginString, false)}-${escapePart(id.senderCompId, false)}-${escapePart(id.targetCompId, true)}`;
  if (stem.length > STEM_CHARS_MAX) throw new Error(`session id too long for a file name (${stem.length} characters encoded, at most ${STEM_CHARS_MAX})`);
  return stem;
}

/** The session id a fileSafeName stem stands for; undefined when `stem` is not one. */
export function sessionIdOfFileName(stem: string): SessionId | undefined {
  const first = stem.indexOf('-');
  const second = first < 0 ? -1 : stem.indexOf('-', first + 1);
  if (second < 0) return undefined;
  const beginString = unescapePart(stem.slice(0, first));
  const senderCompId = unescapePart(stem.slice(first + 1, second));
  const targetCompId = unescapePart(stem.slice(second + 1));
  if (beginString === undefined || senderCompId === undefined || targetCompId === undefined) return undefined;
  return { beginString, senderCompId, targetCompId };
}

/** The name versions before the injective one gave: every character outside [A-Za-z0-9._-] became '_'. Only used to
 *  find such files again (see legacyNameIsOwn). */
export function legacyFileSafeName(id: SessionId): string {
  return [id.beginString, id.senderCompId, id.targetCompId].map(legacyPart).join('-');
}

/** True when the old-style name of `id` was written for `id` alone as far as characters go (nothing was replaced),
 *  so files under it may be taken over; files another CompID only mapped onto (BANK/1 → BANK_1) never are. */
export function legacyNameIsOwn(id: SessionId): boolean {
  return [id.beginString, id.senderCompId, id.targetCompId].every((p) => legacyPart(p) === p);
}

const PLAIN = /^[A-Za-z0-9._]$/;

function escapePart(part: string, dashAllowed: boolean): string {
  let out = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (PLAIN.test(c) || (dashAllowed && c === '-')) { out += c; continue; }
    const code = part.charCodeAt(i);
    out += code <= 0xff ? `%${hex(code, 2)}` : `%u${hex(code, 4)}`;
  }
  return out;
}

/** One '-'-separated part of a fileSafeName stem, decoded (%XX, %uXXXX); undefined when it is not an encoding. */
export function unescapePart(text: string): string | undefined {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '%') { out += c; continue; }
    const wide = text[i + 1] === 'u';
    const digits = wide ? text.slice(i + 2, i + 6) : text.slice(i + 1, i + 3);
    if (!/^[0-9A-F]+$/.test(digits) || digits.length !== (wide ? 4 : 2)) return undefined;
    out += String.fromCharCode(parseInt(digits, 16));
    i += wide ? 5 : 2;
  }
  return out;
}

function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}

function legacyPart(part: string): string {
  const cleaned = part.replace(/[^A-Za-z0-9._\-]/g, '_');
  if (cleaned === '') return '_';
  if (cleaned === '.' || cleaned === '..') return cleaned.replace(/\./g, '_');
  return cleaned;
}
