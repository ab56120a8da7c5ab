// Message validation against a Dictionary, as QuickFIX C++ 1.15 DataDictionary::validate does it,
// returning the session-level reject verdict as a value. Order of checks:
//   structure (373=14) -> MsgType (11) -> required fields: header, trailer, body, groups (1)
//   -> per field in ascending tag order, header then trailer then body: repeated (13), empty (4),
//      format (6), enum (5), unknown tag (0), not in this message (2), NumInGroup count (16)
//   -> group entries: an entry not starting with the delimiter, or a field coming after one the dictionary puts
//      after it (15, naming that field: QuickFIX would reorder it silently), then values as above.
// Group entries are cut as QuickFIX's Message::setGroup does: a new entry starts at the delimiter
// or at a group field already set in the current entry; a non-group field ends the group.

import { Dictionary, FieldFormat, type GroupDef, type MessageDef, type ValidationPlan } from './dictionary.js';
import { hasValidFormat } from './formats.js';
import { intAt, type FixMessage } from './message.js';
import { fixError, type FieldList, type FixError } from './types.js';

export interface ValidationOptions {
  /** QuickFIX ValidateFieldsOutOfOrder (default true) */
  checkFieldsOutOfOrder: boolean;
  /** ValidateFieldsHaveValues (default true) */
  checkFieldsHaveValues: boolean;
  /** ValidateUserDefinedFields (default true) */
  checkUserDefinedFields: boolean;
  /** AllowUnknownMsgFields (default false) */
  allowUnknownMessageFields: boolean;
}

export const DEFAULT_VALIDATION: ValidationOptions = {
  checkFieldsOutOfOrder: true,
  checkFieldsHaveValues: true,
  checkUserDefinedFields: true,
  allowUnknownMessageFields: false,
};

/** First user-defined tag (QuickFIX FIELD::UserMin). */
const USER_MIN_TAG = 5000;

const SECTION_GROUP = 0;
const SECTION_HEADER = 1;
const SECTION_TRAILER = 2;
const SECTION_BODY = 3;

/** One parsed repeating group: its count field and each entry's field indices (wire order). */
export interface GroupInstance {
  def: GroupDef;
  countIndex: number;
  entries: GroupEntry[];
}

export interface GroupEntry {
  fieldIndexes: number[];
  groups: GroupInstance[];
  startsWithDelimiter: boolean;
}

/** How a message's fields fall into header, body, trailer and groups. */
export interface MessageLayout {
  /** Per field index: 1 header, 2 trailer, 3 body, 0 inside a group. */
  section: Uint8Array;
  /** First tag found out of header/body/trailer order, or undefined. */
  outOfOrderTag: number | undefined;
  headerGroups: GroupInstance[];
  bodyGroups: GroupInstance[];
}

/** Per-dictionary scratch tables, so validation allocates little. */
interface Scratch {
  generation: number;
  /** tag -> generation in which it was seen, per section (index = section). */
  seen: Int32Array[];
  /** tag -> index of its first field in that section (valid where seen[section][tag] is this generation). */
  first: Int32Array[];
}
const scratchByDictionary = new WeakMap<Dictionary, Scratch>();

function scratchFor(dict: Dictionary): Scratch {
  let s = scratchByDictionary.get(dict);
  if (!s) {
    const size = dict.maxTag + 1;
    const tables = (): Int32Array[] => [new Int32Array(size), new Int32Array(size), new Int32Array(size), new Int32Array(size)];
    s = { generation: 0, seen: tables(), first: tables() };
    scratchByDictionary.set(dict, s);
  }
  if (s.generation >= 0x7ffffff0) {
    s.generation = 0;
    for (const a of s.seen) a.fill(0);
  }
  s.generation++;
  return s;
}

/** Split a message into header/body/trailer and repeating groups, the way QuickFIX's parser does. */
export function layoutMessage(msg: FixMessage, dict: Dictionary, msgDef: MessageDef | undefined): MessageLayout {
  const n = msg.fieldCount;
  const section = new Uint8Array(n);
  const headerGroups: GroupInstance[] = [];
  const bodyGroups: GroupInstance[] = [];
  let outOfOrderTag: number | undefined;
  let state = SECTION_HEADER;
  let i = 0;
  const maxTag = dict.maxTag;
  const sectionByTag = dict.sectionByTag;
  const groupCountByTag = dict.groupCountByTag;
  while (i < n) {
    const tag = msg.tagAt(i);
    const known = tag > 0 && tag <= maxTag;
    const tagSection = known ? sectionByTag[tag]! : 0;
    // Only a NumInGroup tag of some group can start one: skip the Map look-ups for the rest.
    const maybeGroup = known && groupCountByTag[tag] === 1;
    if (tagSection === 1) {
      if (state !== SECTION_HEADER && outOfOrderTag === undefined) outOfOrderTag = tag;
      section[i++] = SECTION_HEADER;
      const def = maybeGroup ? dict.headerGroups.get(tag) : undefined;
      if (def) i = parseGroup(msg, def, i - 1, section, headerGroups);
    } else if (tagSection === 2) {
      state = SECTION_TRAILER;
      section[i++] = SECTION_TRAILER;
    } else {
      if (state === SECTION_TRAILER && outOfOrderTag === undefined) outOfOrderTag = tag;
      state = SECTION_BODY;
      section[i++] = SECTION_BODY;
      const def = maybeGroup ? msgDef?.groups.get(tag) : undefined;
      if (def) i = parseGroup(msg, def, i - 1, section, bodyGroups);
    }
  }
  return { section, outOfOrderTag, headerGroups, bodyGroups };
}

/** Parse the entries of group `def` whose count field is at countIndex; returns the next field index. */
function parseGroup(msg: FixMessage, def: GroupDef, countIndex: number, section: Uint8Array, out: GroupInstance[]): number {
  const instance: GroupInstance = { def, countIndex, entries: [] };
  out.push(instance);
  const n = msg.fieldCount;
  let entry: GroupEntry | undefined;
  let i = countIndex + 1;
  while (i < n) {
    const tag = msg.tagAt(i);
    const inGroup = def.order.has(tag);
    if (tag === def.delimiter || (inGroup && (entry === undefined || entryHas(msg, entry, tag)))) {
      entry = { fieldIndexes: [], groups: [], startsWithDelimiter: tag === def.delimiter };
      instance.entries.push(entry);
    } else if (!inGroup) {
      break;
    }
    entry!.fieldIndexes.push(i);
    section[i++] = SECTION_GROUP;
    const nested = def.groups.get(tag);
    if (nested) i = parseGroup(msg, nested, i - 1, section, entry!.groups);
  }
  return i;
}

function entryHas(msg: FixMessage, entry: GroupEntry, tag: number): boolean {
  const idx = entry.fieldIndexes;
  for (let k = 0; k < idx.length; k++) if (msg.tagAt(idx[k]!) === tag) return true;
  return false;
}

/** What QuickFIX's DataDictionary::validate does, as a value: null when valid. */
export function validateMessage(msg: FixMessage, dict: Dictionary, opts: ValidationOptions = DEFAULT_VALIDATION): FixError | null {
  const msgType = msg.msgType;
  const plan = dict.validationPlan(msgType);
  if (plan === undefined || !plan.usable) return validateFully(msg, dict, plan?.msgDef, opts, undefined);
  if (passesFastPath(msg, dict, plan, plan.classByTag)) return null;
  const layout = layoutMessage(msg, dict, plan.msgDef);
  if (layout.bodyGroups.length > 0 && passesWithGroups(msg, dict, plan, layout)) return null;
  return validateFully(msg, dict, plan.msgDef, opts, layout);
}

/** The strictest options: a message valid under these is valid under any. */
const STRICT: ValidationOptions = DEFAULT_VALIDATION;

/**
 * The fast path for a message with repeating groups in its body (none in the header): top-level
 * fields as in passesFastPath with the groups' count tags allowed, then the group checks of the full
 * path (counts, required fields in entries, entry values and order) must find nothing.
 */
function passesWithGroups(msg: FixMessage, dict: Dictionary, plan: ValidationPlan, layout: MessageLayout): boolean {
  if (layout.outOfOrderTag !== undefined || layout.headerGroups.length > 0) return false;
  if (!passesFastPath(msg, dict, plan, plan.classWithGroupsByTag, layout.section)) return false;
  const groups = sortedByCountTag(msg, layout.bodyGroups);
  for (const g of groups) if (checkGroupCount(msg, g.countIndex, layout.bodyGroups) !== null) return false;
  return firstMissingInGroups(msg, groups) === undefined && checkGroups(msg, dict, groups, STRICT) === null;
}

/** Per-dictionary "tag seen" table for the fast path. */
interface FastScratch {
  generation: number;
  seen: Int32Array;
}
const fastScratchByDictionary = new WeakMap<Dictionary, FastScratch>();
let lastFastDictionary: Dictionary | undefined;
let lastFastScratch: FastScratch | undefined;

function fastScratchFor(dict: Dictionary): FastScratch {
  let s: FastScratch | undefined;
  if (dict === lastFastDictionary) {
    s = lastFastScratch!;
  } else {
    s = fastScratchByDictionary.get(dict);
    if (s === undefined) {
      s = { generation: 0, seen: new Int32Array(dict.maxTag + 1) };
      fastScratchByDictionary.set(dict, s);
    }
    lastFastDictionary = dict;
    lastFastScratch = s;
  }
  if (s.generation >= 0x7ffffff0) {
    s.generation = 0;
    s.seen.fill(0);
  }
  s.generation++;
  return s;
}

/**
 * true when the message is certainly valid under any ValidationOptions: no repeating groups, every
 * tag a known field defined for this message (or header/trailer), header then body then trailer,
 * no repeats, no empty values, formats and enumerations right, every required tag present. false
 * means "not sure": the full check decides (and picks the verdict QuickFIX would).
 */
function passesFastPath(
  msg: FixMessage,
  dict: Dictionary,
  plan: ValidationPlan,
  classByTag: Uint8Array,
  section?: Uint8Array,
): boolean {
  const scratch = fastScratchFor(dict);
  const gen = scratch.generation;
  const seen = scratch.seen;
  const maxTag = dict.maxTag;
  const formatByTag = dict.formatByTag;
  const enumByTag = dict.enumByTag;
  const charEnumByTag = dict.charEnumByTag;
  const bytes = msg.bytes;
  const n = msg.fieldCount;
  let lastClass = 1;
  for (let i = 0; i < n; i++) {
    if (section !== undefined && section[i] === SECTION_GROUP) continue; // checked by passesWithGroups
    const tag = msg.tagAt(i);
    if (tag <= 0 || tag > maxTag) return false;
    const cls = classByTag[tag]!;
    if (cls < lastClass) return false; // 0 (not for the fast path) or out of order
    lastClass = cls;
    if (seen[tag] === gen) return false;
    seen[tag] = gen;
    const start = msg.valueStartAt(i);
    const end = msg.valueEndAt(i);
    if (start === end) return false;
    const format = formatByTag[tag]!;
    if (format !== FieldFormat.String && !hasValidFormat(format, bytes, start, end)) return false;
    const allowedChars = charEnumByTag[tag];
    if (allowedChars !== undefined) {
      if (end - start !== 1 || allowedChars[bytes[start]!] !== 1) return false;
    } else if (enumByTag[tag] !== undefined && !valueAllowed(msg, dict, i, tag)) {
      return false;
    }
  }
  const required = plan.required;
  for (let k = 0; k < required.length; k++) if (seen[required[k]!] !== gen) return false;
  return true;
}

/** One-character strings by byte, for enum look-ups without allocation. */
const CHAR_STRINGS: string[] = Array.from({ length: 256 }, (_, c) => String.fromCharCode(c));

/**
 * The full QuickFIX-order validation, without the fast path. validateMessage gives the same verdict;
 * exported so tests can hold the two against each other.
 */
export function validateMessageFully(msg: FixMessage, dict: Dictionary, opts: ValidationOptions = DEFAULT_VALIDATION): FixError | null {
  return validateFully(msg, dict, dict.message(msg.msgType), opts, undefined);
}

function validateFully(
  msg: FixMessage,
  dict: Dictionary,
  msgDef: MessageDef | undefined,
  opts: ValidationOptions,
  laidOut: MessageLayout | undefined,
): FixError | null {
  const layout = laidOut ?? layoutMessage(msg, dict, msgDef);

  if (opts.checkFieldsOutOfOrder && layout.outOfOrderTag !== undefined) return fixError(14, layout.outOfOrderTag);
  if (!msgDef) return fixError(11);

  // Which tags each section holds (for required checks and repeats).
  const scratch = scratchFor(dict);
  const gen = scratch.generation;
  const n = msg.fieldCount;
  const section = layout.section;
  const maxTag = dict.maxTag;
  for (let i = 0; i < n; i++) {
    const tag = msg.tagAt(i);
    const s = section[i]!;
    if (s !== SECTION_GROUP && tag > 0 && tag <= maxTag && scratch.seen[s]![tag] !== gen) {
      scratch.seen[s]![tag] = gen;
      scratch.first[s]![tag] = i;
    }
  }

  // Required fields: header, trailer, body, then group entries.
  const missingHeader = firstMissing(dict.headerRequired, scratch.seen[SECTION_HEADER]!, gen);
  if (missingHeader !== undefined) return fixError(1, missingHeader);
  const missingTrailer = firstMissing(dict.trailerRequired, scratch.seen[SECTION_TRAILER]!, gen);
  if (missingTrailer !== undefined) return fixError(1, missingTrailer);
  const missingBody = firstMissing(msgDef.required, scratch.seen[SECTION_BODY]!, gen);
  if (missingBody !== undefined) return fixError(1, missingBody);
  const missingInGroup = firstMissingInGroups(msg, sortedByCountTag(msg, layout.bodyGroups));
  if (missingInGroup !== undefined) return fixError(1, missingInGroup);

  // Field by field, ascending tag within each section.
  return (
    checkSection(msg, dict, msgDef, layout, SECTION_HEADER, opts, scratch) ??
    checkSection(msg, dict, msgDef, layout, SECTION_TRAILER, opts, scratch) ??
    checkSection(msg, dict, msgDef, layout, SECTION_BODY, opts, scratch) ??
    checkGroups(msg, dict, sortedByCountTag(msg, layout.headerGroups), opts) ??
    checkGroups(msg, dict, sortedByCountTag(msg, layout.bodyGroups), opts)
  );
}

function firstMissing(required: number[], seen: Int32Array, gen: number): number | undefined {
  for (let k = 0; k < required.length; k++) if (seen[required[k]!] !== gen) return required[k];
  return undefined;
}

function sortedByCountTag(msg: FixMessage, groups: GroupInstance[]): GroupInstance[] {
  if (groups.length < 2) return groups;
  return [...groups].sort((a, b) => msg.tagAt(a.countIndex) - msg.tagAt(b.countIndex));
}

function firstMissingInGroups(msg: FixMessage, groups: GroupInstance[]): number | undefined {
  for (const g of groups) {
    for (const entry of g.entries) {
      for (const tag of g.def.required) if (!entryHas(msg, entry, tag)) return tag;
      const nested = firstMissingInGroups(msg, sortedByCountTag(msg, entry.groups));
      if (nested !== undefined) return nested;
    }
  }
  return undefined;
}

/**
 * The verdict for field i on its own (empty, format, enum, tag number, membership), or null.
 * `inBody`: membership in the message is checked (QuickFIX skips it for header/trailer fields).
 */
function checkField(
  msg: FixMessage,
  dict: Dictionary,
  msgDef: MessageDef,
  i: number,
  inBody: boolean,
  opts: ValidationOptions,
): FixError | null {
  const tag = msg.tagAt(i);
  const start = msg.valueStartAt(i);
  const end = msg.valueEndAt(i);
  const known = tag > 0 && tag <= dict.maxTag;
  if (start === end) {
    if (opts.checkFieldsHaveValues) return fixError(4, tag);
  } else if (known) {
    if (!hasValidFormat(dict.formatByTag[tag]!, msg.bytes, start, end)) return fixError(6, tag);
    if (!valueAllowed(msg, dict, i, tag)) return fixError(5, tag);
  }
  const userDefined = tag >= USER_MIN_TAG;
  const shouldCheckTag = userDefined ? opts.checkUserDefinedFields : !opts.allowUnknownMessageFields;
  if (shouldCheckTag) {
    if (!known || !dict.isField(tag)) return fixError(0, tag);
    if (inBody && !msgDef.fields.has(tag)) return fixError(2, tag);
  }
  return null;
}

/** Is the non-empty value of field i (a known tag) in its enumeration, if it has one? */
function valueAllowed(msg: FixMessage, dict: Dictionary, i: number, tag: number): boolean {
  const start = msg.valueStartAt(i);
  const end = msg.valueEndAt(i);
  const allowedChars = dict.charEnumByTag[tag];
  if (allowedChars !== undefined) return end - start === 1 && allowedChars[msg.bytes[start]!] === 1;
  const allowed = dict.enumByTag[tag];
  if (allowed === undefined) return true;
  const multiple = dict.multiValueByTag[tag] === 1;
  return hasAllowedValue(allowed, multiple, !multiple && end - start === 1 ? CHAR_STRINGS[msg.bytes[start]!]! : msg.valueAt(i));
}

function hasAllowedValue(allowed: Set<string>, multiple: boolean, value: string): boolean {
  if (!multiple) return allowed.has(value);
  let from = 0;
  for (;;) {
    const space = value.indexOf(' ', from);
    const one = space < 0 ? value.slice(from) : value.slice(from, space);
    if (!allowed.has(one)) return false;
    if (space < 0) return true;
    from = space + 1;
  }
}

/** QuickFIX iterate() over one section: the failing field with the lowest tag wins. */
function checkSection(
  msg: FixMessage,
  dict: Dictionary,
  msgDef: MessageDef,
  layout: MessageLayout,
  wanted: number,
  opts: ValidationOptions,
  scratch: Scratch,
): FixError | null {
  const n = msg.fieldCount;
  const section = layout.section;
  const maxTag = dict.maxTag;
  const first = scratch.first[wanted]!;
  /** First field index of each tag outside 1..maxTag in this section, made on first need. */
  let firstOfOddTag: Map<number, number> | undefined;
  let best: FixError | null = null;
  let bestTag = 0;
  for (let i = 0; i < n; i++) {
    if (section[i] !== wanted) continue;
    const tag = msg.tagAt(i);
    if (best !== null && tag >= bestTag) continue; // cannot beat an earlier verdict at a lower or equal tag
    let verdict: FixError | null = null;
    let firstIndex: number;
    if (tag > 0 && tag <= maxTag) {
      firstIndex = first[tag]!;
    } else {
      firstOfOddTag ??= firstIndexesOfOddTags(msg, section, wanted, maxTag);
      firstIndex = firstOfOddTag.get(tag)!;
    }
    if (firstIndex !== i) {
      verdict = fixError(13, tag); // seen before in this section
    } else {
      verdict = checkField(msg, dict, msgDef, i, wanted === SECTION_BODY, opts);
      if (verdict === null && wanted === SECTION_BODY) {
        const def = msgDef.groups.get(tag);
        if (def !== undefined) verdict = checkGroupCount(msg, i, layout.bodyGroups);
      }
    }
    if (verdict !== null) {
      best = verdict;
      bestTag = tag;
    }
  }
  return best;
}

/** Tag -> index of its first field in section `wanted`, for tags outside 1..maxTag (no table for them). */
function firstIndexesOfOddTags(msg: FixMessage, section: Uint8Array, wanted: number, maxTag: number): Map<number, number> {
  const out = new Map<number, number>(); // at most one entry per field of the message
  for (let k = 0; k < section.length; k++) {
    if (section[k] !== wanted) continue;
    const tag = msg.tagAt(k);
    if ((tag <= 0 || tag > maxTag) && !out.has(tag)) out.set(tag, k);
  }
  return out;
}

function checkGroupCount(msg: FixMessage, countIndex: number, groups: GroupInstance[]): FixError | null {
  const g = groups.find((x) => x.countIndex === countIndex);
  const declared = intAt(msg.bytes, msg.valueStartAt(countIndex), msg.valueEndAt(countIndex));
  const actual = g === undefined ? 0 : g.entries.length;
  return declared === actual ? null : fixError(16, msg.tagAt(countIndex));
}

/** Values inside group entries: empty, format, enum, nested counts, and entry order (15). */
function checkGroups(msg: FixMessage, dict: Dictionary, groups: GroupInstance[], opts: ValidationOptions): FixError | null {
  for (const g of groups) {
    for (const entry of g.entries) {
      if (!entry.startsWithDelimiter) return fixError(15, msg.tagAt(entry.fieldIndexes[0]!));
      let lastOrder = -1;
      for (const i of entry.fieldIndexes) {
        const tag = msg.tagAt(i);
        // an entry's fields come in the dictionary's order; one that comes back is named (373=15, 371=its tag)
        const order = g.def.order.get(tag) ?? lastOrder;
        if (order < lastOrder && opts.checkFieldsOutOfOrder) return fixError(15, tag);
        lastOrder = order;
        const start = msg.valueStartAt(i);
        const end = msg.valueEndAt(i);
        if (start === end) {
          if (opts.checkFieldsHaveValues) return fixError(4, tag);
          continue;
        }
        if (!hasValidFormat(dict.formatByTag[tag]!, msg.bytes, start, end)) return fixError(6, tag);
        if (!valueAllowed(msg, dict, i, tag)) return fixError(5, tag);
        if (g.def.groups.has(tag)) {
          const bad = checkGroupCount(msg, i, entry.groups);
          if (bad) return bad;
        }
      }
      const nested = checkGroups(msg, dict, sortedByCountTag(msg, entry.groups), opts);
      if (nested) return nested;
    }
  }
  return null;
}

/**
 * The body ordered the way QuickFIX re-serialises a parsed message: fields in ascending tag order,
 * each repeating group kept intact at its NumInGroup tag (entries in order, in-entry field order per
 * the dictionary). Used to echo messages exactly like QuickFIX's acceptance-test application.
 */
export function canonicalBody(msg: FixMessage, dict: Dictionary): FieldList {
  const msgDef = dict.message(msg.msgType);
  const layout = layoutMessage(msg, dict, msgDef);
  const body: number[] = [];
  for (let i = 0; i < msg.fieldCount; i++) if (layout.section[i] === SECTION_BODY) body.push(i);
  body.sort((a, b) => msg.tagAt(a) - msg.tagAt(b) || a - b);
  const out: FieldList = [];
  const groupAt = new Map<number, GroupInstance>(); // count field index -> its group; one per group instance
  for (const g of layout.bodyGroups) groupAt.set(g.countIndex, g);
  for (const i of body) {
    out.push([msg.tagAt(i), msg.valueAt(i)]);
    const g = groupAt.get(i);
    if (g) appendGroup(msg, g, out);
  }
  return out;
}

function appendGroup(msg: FixMessage, g: GroupInstance, out: FieldList): void {
  const order = g.def.order;
  for (const entry of g.entries) {
    const fields = [...entry.fieldIndexes].sort(
      (a, b) => (order.get(msg.tagAt(a)) ?? 1e9) - (order.get(msg.tagAt(b)) ?? 1e9) || a - b,
    );
    for (const i of fields) {
      out.push([msg.tagAt(i), msg.valueAt(i)]);
      const nested = entry.groups.find((x) => x.countIndex === i);
      if (nested) appendGroup(msg, nested, out);
    }
  }
}
