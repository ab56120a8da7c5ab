// A FIX data dictionary in QuickFIX XML format, compiled at load into lookup tables keyed by tag
// (arrays and Maps), so validation does no string work it can avoid. Group and component rules follow
// QuickFIX C++ 1.15 DataDictionary::readFromURL / addXMLComponentFields / addXMLGroup.

import { readFileSync } from 'node:fs';
import { parseXml, type XmlElement } from './xml.js';

export interface GroupDef {
  countTag: number;
  /** First field of an entry: a new entry starts at each occurrence. */
  delimiter: number;
  /** Every field an entry may hold, in dictionary order (nested groups' count tags included). */
  fields: number[];
  /** Nested groups by their count tag. */
  groups: Map<number, GroupDef>;
  /** Fields each entry must hold, ascending (QuickFIX: only when the group itself is required). */
  required: number[];
  /** Position of each field in `fields`. */
  order: Map<number, number>;
}

/** Value formats, one per FIX type that has a syntax check. */
export const enum FieldFormat {
  String = 0,
  Int = 1,
  Float = 2,
  Char = 3,
  Boolean = 4,
  UtcTimestamp = 5,
  UtcTimeOnly = 6,
  UtcDateOnly = 7,
  MonthYear = 8,
  Data = 9,
  DayOfMonth = 10,
}

const FORMAT_OF_TYPE: Record<string, FieldFormat> = {
  INT: FieldFormat.Int, LENGTH: FieldFormat.Int, SEQNUM: FieldFormat.Int, NUMINGROUP: FieldFormat.Int,
  TAGNUM: FieldFormat.Int,
  FLOAT: FieldFormat.Float, QTY: FieldFormat.Float, PRICE: FieldFormat.Float, PRICEOFFSET: FieldFormat.Float,
  AMT: FieldFormat.Float, PERCENTAGE: FieldFormat.Float,
  CHAR: FieldFormat.Char, BOOLEAN: FieldFormat.Boolean,
  UTCTIMESTAMP: FieldFormat.UtcTimestamp, TIME: FieldFormat.UtcTimestamp,
  UTCTIMEONLY: FieldFormat.UtcTimeOnly,
  UTCDATEONLY: FieldFormat.UtcDateOnly, UTCDATE: FieldFormat.UtcDateOnly, LOCALMKTDATE: FieldFormat.UtcDateOnly,
  DATE: FieldFormat.UtcDateOnly,
  MONTHYEAR: FieldFormat.MonthYear,
  DATA: FieldFormat.Data,
  DAYOFMONTH: FieldFormat.DayOfMonth,
};

const MULTIPLE_VALUE_TYPES = new Set(['MULTIPLEVALUESTRING', 'MULTIPLESTRINGVALUE', 'MULTIPLECHARVALUE']);

/** Highest tag a dictionary may define: tables are arrays indexed by tag. */
const MAX_DICTIONARY_TAG = 1_000_000;
/** Component nesting depth limit (cycles in a bad file end here). */
const MAX_COMPONENT_DEPTH = 32;

export interface MessageDef {
  msgType: string;
  name: string;
  isAdmin: boolean;
  /** Tags allowed at the top level of the body (group count tags included, group members not). */
  fields: Set<number>;
  /** Required top-level body tags, ascending. */
  required: number[];
  groups: Map<number, GroupDef>;
}

/**
 * Per-MsgType tables for validation's fast path (a message with no repeating groups where every
 * field is known, allowed and in order), compiled once on first use. Anything these tables do not
 * cover sends validation down the full QuickFIX path.
 */
export interface ValidationPlan {
  msgDef: MessageDef;
  /**
   * Tag -> 1 header, 2 body, 3 trailer (in the order fields must come), or 0 when the fast path
   * cannot take it: not a field, not defined for this message, or a repeating group's count tag.
   */
  classByTag: Uint8Array;
  /** classByTag, except that the count tags of this message's body groups are 2 (body). */
  classWithGroupsByTag: Uint8Array;
  /** Every required tag of header, body and trailer. */
  required: Int32Array;
  /** false when the dictionary is too odd for the fast path (e.g. a required body tag that is a header field). */
  usable: boolean;
}

interface FieldInfo {
  tag: number;
  name: string;
  type: string;
  values: Map<string, string>;
}

export class Dictionary {
  readonly beginString: string;
  /** Tag -> format code (FieldFormat); 0 (String) for unknown tags. Index with care: bounded by maxTag. */
  readonly formatByTag: Uint8Array;
  /** Tag -> allowed values (undefined: any). */
  readonly enumByTag: (Set<string> | undefined)[];
  /** Tag -> true when the type is a space-separated list of enum values. */
  readonly multiValueByTag: Uint8Array;
  /** Tag -> 1 header field, 2 trailer field, 0 otherwise. */
  readonly sectionByTag: Uint8Array;
  readonly maxTag: number;
  /** Required header tags, ascending. */
  readonly headerRequired: number[];
  /** Required trailer tags, ascending. */
  readonly trailerRequired: number[];
  readonly headerGroups: Map<number, GroupDef>;
  /** DATA tag -> its LENGTH tag (for parseMessage). */
  readonly dataLengthTags: Map<number, number>;

  /** Tag -> 1 when the dictionary defines it. */
  readonly isFieldByTag: Uint8Array;
  /**
   * Tag -> 256-entry table of allowed bytes, for enumerations whose values are all one character
   * (and not a multiple-value type): the enum check without making a string.
   */
  readonly charEnumByTag: (Uint8Array | undefined)[];
  /** Tag -> 1 when it is the NumInGroup tag of a group anywhere (header, any message, nested). */
  readonly groupCountByTag: Uint8Array;

  private readonly fieldsByTag: Map<number, FieldInfo>;
  private readonly plans = new Map<string, ValidationPlan>();
  private readonly tagsByName: Map<string, number>;
  private readonly messages: Map<string, MessageDef>;

  private constructor(root: XmlElement, source: string) {
    this.beginString = beginStringOf(root, source);
    const fields = readFields(sectionOf(root, 'fields', source), source);
    this.fieldsByTag = fields.byTag;
    this.tagsByName = fields.tagsByName;
    this.maxTag = fields.maxTag;
    const tables = compileFieldTables(fields.byTag, fields.maxTag);
    this.formatByTag = tables.formatByTag;
    this.multiValueByTag = tables.multiValueByTag;
    this.sectionByTag = new Uint8Array(fields.maxTag + 1);
    this.enumByTag = tables.enumByTag;
    this.isFieldByTag = tables.isFieldByTag;
    this.charEnumByTag = tables.charEnumByTag;
    this.groupCountByTag = new Uint8Array(fields.maxTag + 1);
    this.dataLengthTags = tables.dataLengthTags;

    const layouts = new LayoutReader(source, this.tagsByName, componentsOf(root), this.groupCountByTag);
    const header = layouts.read(sectionOf(root, 'header', source).children);
    const trailer = layouts.read(sectionOf(root, 'trailer', source).children);
    for (const t of header.fields) this.sectionByTag[t] = 1;
    for (const t of trailer.fields) this.sectionByTag[t] = 2;
    this.headerRequired = sortedUnique(header.required);
    this.trailerRequired = sortedUnique(trailer.required);
    this.headerGroups = header.groups;
    for (const countTag of header.groups.keys()) this.groupCountByTag[countTag] = 1;
    this.messages = readMessages(sectionOf(root, 'messages', source), layouts, source);
  }

  /** QuickFIX XML format; throws with a clear message on bad XML. */
  static load(path: string): Dictionary {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`cannot read data dictionary ${path}: ${(err as Error).message}`);
    }
    return Dictionary.fromXml(text, path);
  }

  static fromXml(text: string, source = 'data dictionary'): Dictionary {
    return new Dictionary(parseXml(text, source), source);
  }

  fieldName(tag: number): string | undefined {
    return this.fieldsByTag.get(tag)?.name;
  }

  fieldTag(name: string): number | undefined {
    return this.tagsByName.get(name);
  }

  /** 'INT', 'STRING', 'UTCTIMESTAMP', ... */
  fieldType(tag: number): string | undefined {
    return this.fieldsByTag.get(tag)?.type;
  }

  isField(tag: number): boolean {
    return this.fieldsByTag.has(tag);
  }

  /** (35,'D') -> 'NEW_ORDER_SINGLE' (the description from the XML). */
  enumMeaning(tag: number, value: string): string | undefined {
    return this.fieldsByTag.get(tag)?.values.get(value);
  }

  /** 'D' -> 'NewOrderSingle' */
  messageName(msgType: string): string | undefined {
    return this.messages.get(msgType)?.name;
  }

  message(msgType: string): MessageDef | undefined {
    return this.messages.get(msgType);
  }

  isAdminMessage(msgType: string): boolean {
    return this.messages.get(msgType)?.isAdmin === true;
  }

  isHeaderField(tag: number): boolean {
    return tag > 0 && tag <= this.maxTag && this.sectionByTag[tag] === 1;
  }

  isTrailerField(tag: number): boolean {
    return tag > 0 && tag <= this.maxTag && this.sectionByTag[tag] === 2;
  }

  hasMessage(msgType: string): boolean {
    return this.messages.has(msgType);
  }

  /** Fast-path validation tables for msgType, built on first use; undefined for an unknown MsgType. */
  validationPlan(msgType: string): ValidationPlan | undefined {
    const cached = this.plans.get(msgType);
    if (cached !== undefined) return cached;
    const msgDef = this.messages.get(msgType);
    if (msgDef === undefined) return undefined;
    const classByTag = new Uint8Array(this.maxTag + 1);
    for (let tag = 1; tag <= this.maxTag; tag++) {
      if (this.isFieldByTag[tag] !== 1) continue;
      const section = this.sectionByTag[tag];
      if (section === 1) classByTag[tag] = this.headerGroups.has(tag) ? 0 : 1;
      else if (section === 2) classByTag[tag] = 3;
      else classByTag[tag] = msgDef.fields.has(tag) && !msgDef.groups.has(tag) ? 2 : 0;
    }
    const classWithGroupsByTag = classByTag.slice();
    for (const countTag of msgDef.groups.keys()) {
      if (countTag <= this.maxTag && this.sectionByTag[countTag] === 0) classWithGroupsByTag[countTag] = 2;
    }
    const usable =
      this.headerRequired.every((t) => this.sectionByTag[t] === 1) &&
      this.trailerRequired.every((t) => this.sectionByTag[t] === 2) &&
      msgDef.required.every((t) => this.sectionByTag[t] === 0);
    const required = Int32Array.from([...this.headerRequired, ...msgDef.required, ...this.trailerRequired]);
    const plan: ValidationPlan = { msgDef, classByTag, classWithGroupsByTag, required, usable };
    this.plans.set(msgType, plan); // at most one per <message> of the dictionary
    return plan;
  }

  /** The group whose NumInGroup tag is countTag, at the top level of msgType's body or header. */
  groupOf(msgType: string, countTag: number): GroupDef | undefined {
    return this.messages.get(msgType)?.groups.get(countTag) ?? this.headerGroups.get(countTag);
  }
}

// ---- compiling the XML ---------------------------------------------------------------------------------

/** 'FIX.4.4' from <fix type="FIX" major="4" minor="4">. */
function beginStringOf(root: XmlElement, source: string): string {
  if (root.name !== 'fix') throw new Error(`${source}: root element is <${root.name}>, expected <fix>`);
  const major = root.attrs['major'];
  const minor = root.attrs['minor'];
  if (major === undefined || minor === undefined) throw new Error(`${source}: <fix> needs major and minor attributes`);
  const type = root.attrs['type'] ?? 'FIX';
  return `${type}.${major}.${minor}`;
}

function sectionOf(root: XmlElement, name: string, source: string): XmlElement {
  const found = root.children.find((c) => c.name === name);
  if (!found) throw new Error(`${source}: <${name}> section not found`);
  return found;
}

/** The <fields> section: every field by tag and by name, and the highest tag (the tables' size). */
function readFields(section: XmlElement, source: string): { byTag: Map<number, FieldInfo>; tagsByName: Map<string, number>; maxTag: number } {
  const byTag = new Map<number, FieldInfo>();
  const tagsByName = new Map<string, number>();
  let maxTag = 0;
  for (const el of section.children) {
    if (el.name !== 'field') continue;
    const tag = Number(el.attrs['number']);
    const name = el.attrs['name'];
    const fieldType = el.attrs['type'];
    if (!Number.isInteger(tag) || tag <= 0 || tag > MAX_DICTIONARY_TAG) throw new Error(`${source}: line ${el.line}: bad field number '${el.attrs['number']}'`);
    if (!name || !fieldType) throw new Error(`${source}: line ${el.line}: field ${tag} needs name and type`);
    byTag.set(tag, { tag, name, type: fieldType, values: enumValuesOf(el, source) });
    tagsByName.set(name, tag);
    if (tag > maxTag) maxTag = tag;
  }
  if (byTag.size === 0) throw new Error(`${source}: no fields defined`);
  return { byTag, tagsByName, maxTag };
}

/** A field's <value enum=".." description=".."/> children: value -> description. */
function enumValuesOf(field: XmlElement, source: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const v of field.children) {
    if (v.name !== 'value') continue;
    const e = v.attrs['enum'];
    if (e === undefined) throw new Error(`${source}: line ${v.line}: value without enum attribute`);
    values.set(e, v.attrs['description'] ?? '');
  }
  return values;
}

interface FieldTables {
  formatByTag: Uint8Array;
  multiValueByTag: Uint8Array;
  enumByTag: (Set<string> | undefined)[];
  isFieldByTag: Uint8Array;
  charEnumByTag: (Uint8Array | undefined)[];
  dataLengthTags: Map<number, number>;
}

/** The per-tag lookup tables that depend on the fields alone (see the Dictionary members of the same names). */
function compileFieldTables(fieldsByTag: Map<number, FieldInfo>, maxTag: number): FieldTables {
  const t: FieldTables = {
    formatByTag: new Uint8Array(maxTag + 1),
    multiValueByTag: new Uint8Array(maxTag + 1),
    enumByTag: new Array(maxTag + 1).fill(undefined),
    isFieldByTag: new Uint8Array(maxTag + 1),
    charEnumByTag: new Array(maxTag + 1).fill(undefined),
    dataLengthTags: new Map(),
  };
  for (const f of fieldsByTag.values()) {
    t.isFieldByTag[f.tag] = 1;
    t.formatByTag[f.tag] = FORMAT_OF_TYPE[f.type] ?? FieldFormat.String;
    if (MULTIPLE_VALUE_TYPES.has(f.type)) t.multiValueByTag[f.tag] = 1;
    if (f.values.size > 0) {
      t.enumByTag[f.tag] = new Set(f.values.keys());
      const values = [...f.values.keys()];
      if (t.multiValueByTag[f.tag] === 0 && values.every((v) => v.length === 1 && v.charCodeAt(0) <= 0xff)) {
        const allowed = new Uint8Array(256);
        for (const v of values) allowed[v.charCodeAt(0)] = 1;
        t.charEnumByTag[f.tag] = allowed;
      }
    }
    if (f.type === 'DATA') {
      const lengthTag = f.tag === 89 ? 93 : f.tag - 1; // QuickFIX: length field is the tag before; Signature is special
      if (fieldsByTag.get(lengthTag)?.type === 'LENGTH') t.dataLengthTags.set(f.tag, lengthTag);
    }
  }
  return t;
}

function componentsOf(root: XmlElement): Map<string, XmlElement> {
  const components = new Map<string, XmlElement>();
  const componentsEl = root.children.find((c) => c.name === 'components');
  for (const c of componentsEl?.children ?? []) if (c.name === 'component' && c.attrs['name']) components.set(c.attrs['name'], c);
  return components;
}

/** A flat list of the fields a header, trailer, message body or group entry may hold, which of them are required,
 *  and its groups. */
interface Layout { fields: number[]; required: number[]; groups: Map<number, GroupDef> }

function isRequired(el: XmlElement): boolean {
  return el.attrs['required'] === 'Y' || el.attrs['required'] === 'y';
}

/** Expands <field>, <component> and <group> children into a Layout, components inlined and groups compiled. */
class LayoutReader {
  constructor(
    private readonly source: string,
    private readonly tagsByName: Map<string, number>,
    private readonly components: Map<string, XmlElement>,
    /** Set to 1 at the count tag of every group compiled. */
    private readonly groupCountByTag: Uint8Array,
  ) {}

  /** A top-level section (header, trailer, a message): its fields marked required="Y" are required. */
  read(children: XmlElement[]): Layout {
    const out: Layout = { fields: [], required: [], groups: new Map() };
    this.expand(children, true, out, 0);
    return out;
  }

  private expand(children: XmlElement[], required: boolean, out: Layout, depth: number, inGroup = false): void {
    if (depth > MAX_COMPONENT_DEPTH) throw new Error(`${this.source}: components nested deeper than ${MAX_COMPONENT_DEPTH} (a cycle?)`);
    for (const el of children) {
      if (el.name === 'field') {
        const tag = this.tagOf(el);
        out.fields.push(tag);
        if (required && isRequired(el)) out.required.push(tag);
      } else if (el.name === 'component') {
        // QuickFIX: a component directly inside a group never makes its fields required.
        this.expand(this.componentOf(el).children, inGroup ? false : required && isRequired(el), out, depth + 1);
      } else if (el.name === 'group') {
        const tag = this.tagOf(el);
        out.fields.push(tag);
        if (required && isRequired(el)) out.required.push(tag);
        out.groups.set(tag, this.group(el, tag, isRequired(el), depth + 1));
      }
    }
  }

  private group(el: XmlElement, countTag: number, required: boolean, depth: number): GroupDef {
    const out: Layout = { fields: [], required: [], groups: new Map() };
    this.expand(el.children, required, out, depth, true);
    const delimiter = out.fields[0];
    if (delimiter === undefined) throw new Error(`${this.source}: line ${el.line}: group '${el.attrs['name']}' has no fields`);
    this.groupCountByTag[countTag] = 1;
    const order = new Map<number, number>();
    out.fields.forEach((t, i) => { if (!order.has(t)) order.set(t, i); });
    return { countTag, delimiter, fields: out.fields, groups: out.groups, required: sortedUnique(out.required), order };
  }

  private tagOf(el: XmlElement): number {
    const name = el.attrs['name'];
    const tag = name === undefined ? undefined : this.tagsByName.get(name);
    if (tag === undefined) throw new Error(`${this.source}: line ${el.line}: <${el.name} name='${name}'> is not defined in <fields>`);
    return tag;
  }

  private componentOf(el: XmlElement): XmlElement {
    const c = this.components.get(el.attrs['name'] ?? '');
    if (!c) throw new Error(`${this.source}: line ${el.line}: component '${el.attrs['name']}' is not defined`);
    return c;
  }
}

/** The <messages> section: each message's body layout by MsgType. */
function readMessages(section: XmlElement, layouts: LayoutReader, source: string): Map<string, MessageDef> {
  const messages = new Map<string, MessageDef>();
  for (const el of section.children) {
    if (el.name !== 'message') continue;
    const msgType = el.attrs['msgtype'];
    if (msgType === undefined) throw new Error(`${source}: line ${el.line}: message without msgtype`);
    const body = layouts.read(el.children);
    messages.set(msgType, {
      msgType,
      name: el.attrs['name'] ?? msgType,
      isAdmin: el.attrs['msgcat'] === 'admin',
      fields: new Set(body.fields),
      required: sortedUnique(body.required),
      groups: body.groups,
    });
  }
  return messages;
}

function sortedUnique(tags: number[]): number[] {
  return [...new Set(tags)].sort((a, b) => a - b);
}
