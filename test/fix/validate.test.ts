import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixMessage, parseMessage } from '../../src/fix/message.js';
import { Framer } from '../../src/fix/framer.js';
import { canonicalBody, DEFAULT_VALIDATION, validateMessage, type ValidationOptions } from '../../src/fix/validate.js';
import type { FixError } from '../../src/fix/types.js';
import { fieldOf, fix44, readDefFiles, show, wire } from './wire.js';

const H = '8=FIX.4.4|35=D|34=2|49=TW44|52=20040503-17:56:01|56=ISLD|';
const ORDER_BODY = '11=ID|21=1|40=1|54=1|38=200.00|55=INTC|60=20040503-17:56:01|';

function verdict(text: string, opts?: ValidationOptions): FixError | null {
  const m = parseMessage(wire(text));
  assert.ok(m instanceof FixMessage, `garbled: ${show(wire(text))}`);
  return validateMessage(m, fix44(), opts);
}

function expectReject(text: string, reason: number, tag?: number, opts?: ValidationOptions): void {
  const v = verdict(text, opts);
  assert.ok(v !== null, `expected 373=${reason} for ${text}`);
  assert.deepEqual({ reason: v.reason, tag: v.tag }, { reason, tag }, text);
}

test('a well-formed NewOrderSingle is valid', () => {
  assert.equal(verdict(H + ORDER_BODY), null);
});

test('header field after body fields: 373=14 with the first misplaced tag (14g)', () => {
  expectReject('8=FIX.4.4|35=D|11=id|21=3|40=1|54=1|55=MSFT|60=20040503-17:56:01|34=2|49=TW44|52=20040503-17:56:01|56=ISLD|', 14, 34);
  expectReject('8=FIX.4.4|35=D|55=MSFT|34=3|49=TW44|52=20040503-17:56:01|56=ISLD|11=id|21=3|40=1|54=1|60=20040503-17:56:01|', 14, 34);
});

test('body field after a trailer field: 373=14', () => {
  expectReject(H + '93=3|89=abc|' + ORDER_BODY, 14, 11);
});

test('field order checking can be switched off', () => {
  const text = '8=FIX.4.4|35=D|11=id|21=3|40=1|54=1|55=MSFT|60=20040503-17:56:01|34=2|49=TW44|52=20040503-17:56:01|56=ISLD|';
  assert.equal(verdict(text, { ...DEFAULT_VALIDATION, checkFieldsOutOfOrder: false }), null);
});

test('unknown MsgType: 373=11 without a tag (2q)', () => {
  expectReject('8=FIX.4.4|35=*|34=2|49=TW44|52=20040503-17:56:01|56=ISLD|', 11, undefined);
});

test('repeated tag: 373=13 (14h)', () => {
  expectReject(H + '11=ID|21=1|40=1|40=2|54=1|38=200.00|55=INTC|60=20040503-17:56:01|', 13, 40);
});

test('empty value: 373=4, unless ValidateFieldsHaveValues is off (14d)', () => {
  expectReject('8=FIX.4.4|35=0|34=2|49=TW44|52=20040503-17:56:01|56=|', 4, 56);
  expectReject(H + ORDER_BODY + '58=|', 4, 58);
  assert.equal(verdict(H + ORDER_BODY + '58=|', { ...DEFAULT_VALIDATION, checkFieldsHaveValues: false }), null);
});

test('bad data format: 373=6 (14f and friends)', () => {
  expectReject(H + ORDER_BODY.replace('38=200.00', '38=+200.00'), 6, 38);
  expectReject(H + ORDER_BODY + '126=20040415|', 6, 126);
  expectReject(H + ORDER_BODY.replace('38=200.00', '38=1e5'), 6, 38);
  expectReject(H + ORDER_BODY.replace('38=200.00', '38=1.2.3'), 6, 38);
  expectReject(H + ORDER_BODY + '110=1,5|', 6, 110); // MinQty is a QTY
});

test('value formats by type', () => {
  const ok = (extra: string) => assert.equal(verdict(H + ORDER_BODY + extra), null, extra);
  const bad = (extra: string, tag: number) => expectReject(H + ORDER_BODY + extra, 6, tag);
  ok('44=-12.5|'); ok('44=.5|'); ok('44=5.|'); ok('44=007|');
  bad('44=-|', 44); bad('44=.|', 44); bad('44=1,5|', 44); bad('44= 1|', 44);
  ok('226=3|'); ok('226=-3|'); bad('226=3.0|', 226); bad('226=+3|', 226); bad('226=3x|', 226); // RepurchaseTerm is INT
  ok('432=20040503|'); bad('432=2004053|', 432); bad('432=20041301|', 432); // ExpireDate LOCALMKTDATE
  ok('126=20040503-17:56:01.123|'); ok('126=20040503-17:56:01.123456|'); bad('126=20040503-25:56:01|', 126);
  ok('200=200405|'); ok('200=20040512|'); ok('200=200405w2|'); bad('200=2004|', 200); // MaturityMonthYear
  ok('114=Y|'); bad('114=y|', 114); bad('114=YES|', 114); // LocateReqd BOOLEAN
  ok('18=1 2 G|');
});

test('value outside the enum: 373=5 (14e, ReverseRoute 40=w)', () => {
  expectReject(H + ORDER_BODY.replace('21=1', '21=4'), 5, 21);
  expectReject(H + ORDER_BODY + '167=BOO|', 5, 167);
  expectReject(H + ORDER_BODY.replace('40=1', '40=w'), 5, 40);
  assert.equal(verdict(H + ORDER_BODY + '167=CS|'), null);
});

test('MULTIPLEVALUESTRING checks each space-separated value', () => {
  assert.equal(verdict(H + ORDER_BODY + '18=1 2 G|'), null);
});

test('tag not in the dictionary: 373=0 for 999, 0, -1, 5000 (14a)', () => {
  const hb = '8=FIX.4.4|35=0|34=2|49=TW44|52=20040503-17:56:01|56=ISLD|';
  for (const tag of [999, 0, -1, 5000]) expectReject(hb + `${tag}=HI|`, 0, tag);
});

test('user-defined tags pass when ValidateUserDefinedFields is off; unknown tags with AllowUnknownMsgFields', () => {
  const hb = '8=FIX.4.4|35=0|34=2|49=TW44|52=20040503-17:56:01|56=ISLD|';
  assert.equal(verdict(hb + '5000=HI|', { ...DEFAULT_VALIDATION, checkUserDefinedFields: false }), null);
  expectReject(hb + '999=HI|', 0, 999, { ...DEFAULT_VALIDATION, checkUserDefinedFields: false });
  assert.equal(verdict(hb + '999=HI|', { ...DEFAULT_VALIDATION, allowUnknownMessageFields: true }), null);
  assert.equal(verdict(hb + '55=MSFT|', { ...DEFAULT_VALIDATION, allowUnknownMessageFields: true }), null);
});

test('tag not defined for this message type: 373=2 (14c)', () => {
  expectReject('8=FIX.4.4|35=0|34=2|49=TW44|52=20040503-17:56:01|56=ISLD|55=MSFT|', 2, 55);
});

test('NumInGroup count that does not match the entries: 373=16 (14i)', () => {
  expectReject(H + ORDER_BODY + '386=3|336=PRE-OPEN|336=AFTER-HOURS|', 16, 386);
  assert.equal(verdict(H + ORDER_BODY + '386=2|336=PRE-OPEN|336=AFTER-HOURS|'), null);
});

test('NumInGroup 0 with no entries is a valid empty group (21)', () => {
  const text = '8=FIX.4.4|35=d|34=2|49=TW44|56=ISLD|52=20040503-17:56:01|320=JCD1091-20021011|322=1034356488676|323=6|55=TBS|22=8|167=CS|336=ONE_MAIN|58=No Products found for this Class Symbol|454=0|';
  assert.equal(verdict(text), null);
});

test('required tag missing: header, body and inside group entries (14b)', () => {
  expectReject('8=FIX.4.4|35=0|34=2|49=TW44|52=20040503-17:56:01|', 1, 56);
  expectReject('8=FIX.4.4|35=D|49=TW44|34=3|56=ISLD|52=20040503-17:56:01|40=1|60=20040503-17:56:01|54=1|21=3|', 1, 11);
  // QuoteRequest(R): NoRelatedSym(146) is required at the top level.
  assert.equal(verdict('8=FIX.4.4|35=R|34=2|49=TW44|52=20040503-17:56:01|56=ISLD|131=Q1|146=1|55=IBM|38=100|'), null);
  expectReject('8=FIX.4.4|35=R|34=2|49=TW44|52=20040503-17:56:01|56=ISLD|131=Q1|', 1, 146);
  // A required group's own required fields are required in every entry: ListStatus(N) NoOrders(73)
  // is required; its entries need ClOrdID(11), CumQty(14), OrdStatus(39), LeavesQty(151), CxlQty(84), AvgPx(6).
  const listStatus = '8=FIX.4.4|35=N|34=2|49=TW44|52=20040503-17:56:01|56=ISLD|66=L1|429=2|82=1|83=1|431=2|68=1|';
  assert.equal(verdict(listStatus + '73=1|11=A|14=0|39=0|151=10|84=0|6=0|'), null);
  expectReject(listStatus + '73=2|11=A|14=0|39=0|151=10|84=0|6=0|11=B|14=0|39=0|84=0|6=0|', 1, 151);
});

test('entries of nested groups are parsed by the dictionary and their counts checked', () => {
  // NewOrderSingle: NoPartyIDs(453) entries hold PartyID(448), PartyIDSource(447), PartyRole(452) and NoPartySubIDs(802).
  const parties = '453=2|448=A|447=D|452=1|802=1|523=S|803=1|448=B|447=D|452=3|';
  assert.equal(verdict(H + ORDER_BODY + parties), null);
  expectReject(H + ORDER_BODY + '453=2|448=A|447=D|452=1|802=2|523=S|803=1|448=B|447=D|452=3|', 16, 802);
  expectReject(H + ORDER_BODY + '453=1|448=A|447=D|452=999|', 5, 452);
});

test('a group entry that does not start with the delimiter is out of order (373=15)', () => {
  expectReject(H + ORDER_BODY + '453=2|447=D|448=A|', 15, 447);
});

test('canonicalBody sorts top-level fields by tag and keeps groups intact (15, 14e, 21)', () => {
  const m = parseMessage(wire('8=FIX.4.4|35=D|49=TW44|34=3|56=ISLD|52=20040503-17:56:01|40=1|55=MSFT|60=20040503-17:56:01|54=1|21=3|11=id|453=2|448=A|452=1|447=D|448=B|447=D|452=3|'));
  assert.ok(m instanceof FixMessage);
  const body = canonicalBody(m, fix44()).map(([t, v]) => `${t}=${v}`).join('|');
  assert.equal(body, '11=id|21=3|40=1|54=1|55=MSFT|60=20040503-17:56:01|453=2|448=A|447=D|452=1|448=B|447=D|452=3');
  const d = parseMessage(wire('8=FIX.4.4|35=d|34=2|49=TW44|56=ISLD|52=20040503-17:56:01|320=JCD1091-20021011|322=1034356488676|323=6|55=TBS|22=8|167=CS|336=ONE_MAIN|58=No Products found|454=0|'));
  assert.ok(d instanceof FixMessage);
  assert.deepEqual(canonicalBody(d, fix44()).map(([t]) => t), [22, 55, 58, 167, 320, 322, 323, 336, 454]);
});

// Every I line of the QuickFIX acceptance suite: the validator must give the 373/371 that the next
// matching Reject E line expects, and no verdict where the suite expects none.
const VALIDATION_CODES = new Set([0, 1, 2, 4, 5, 6, 11, 13, 14, 15, 16]);
test('QuickFIX acceptance definitions: validator verdicts match the expected rejects', () => {
  const lines = readDefFiles();
  let checked = 0;
  let rejects = 0;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    if (line.kind !== 'I') continue;
    const framer = new Framer();
    framer.push(Buffer.from(line.text, 'latin1'));
    const frame = framer.next();
    if (frame === null || frame.kind !== 'message') continue;
    const m = parseMessage(frame.bytes);
    if (!(m instanceof FixMessage)) continue;
    const seq = m.get(34);
    let expected: { reason: number; tag: number | undefined } | null = null;
    for (let j = k + 1; j < lines.length && lines[j]!.file === line.file; j++) {
      const e = lines[j]!;
      if (e.kind === 'I' && fieldOf(e.text, 34) === seq) break;
      if (e.kind === 'E' && fieldOf(e.text, 35) === '3' && fieldOf(e.text, 45) === seq) {
        const reason = Number(fieldOf(e.text, 373));
        const tagText = fieldOf(e.text, 371);
        if (VALIDATION_CODES.has(reason) && tagText !== '122' && (tagText !== undefined || reason === 11)) expected = { reason, tag: tagText === undefined ? undefined : Number(tagText) };
        break;
      }
    }
    const v = validateMessage(m, fix44());
    const got = v === null ? null : { reason: v.reason, tag: v.tag };
    assert.deepEqual(got, expected, `${line.file}:${line.lineNo} ${show(line.text)}`);
    checked++;
    if (expected) rejects++;
  }
  assert.ok(checked > 150, `checked ${checked}`);
  assert.ok(rejects >= 20, `rejects ${rejects}`);
});

test('a 1 MB message of 120,000 distinct invalid tags gets its verdict (lowest tag, 373=0) in linear time', () => {
  const dict = fix44();
  const text = '8=FIX.4.4|35=D|34=1|49=A|52=20261126-01:30:00|56=B|11=a|21=1|55=X|54=1|60=20261126-01:30:00|40=1|';
  const parts: string[] = [];
  for (let i = 1; i <= 120_000; i++) parts.push(`-${i}=x|`);
  const msg = parseMessage(wire(text + parts.join('')));
  assert.ok(msg instanceof FixMessage);
  const t0 = process.hrtime.bigint();
  const verdict = validateMessage(msg, dict);
  const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.deepEqual(verdict, { reason: 0, tag: -120_000, text: 'Invalid tag number' });
  // Quadratic repeat detection took ~15 s here; linear takes well under 100 ms even on a busy machine.
  assert.ok(elapsedMs < 3000, `took ${elapsedMs} ms`);
});
