import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dictionary } from '../../src/fix/dictionary.js';
import { fix44 } from './wire.js';

test('FIX44.xml loads with names, types, enums and message names', () => {
  const d = fix44();
  assert.equal(d.beginString, 'FIX.4.4');
  assert.equal(d.fieldName(35), 'MsgType');
  assert.equal(d.fieldTag('MsgType'), 35);
  assert.equal(d.fieldType(34), 'SEQNUM');
  assert.equal(d.fieldType(38), 'QTY');
  assert.equal(d.fieldType(52), 'UTCTIMESTAMP');
  assert.equal(d.fieldType(99999), undefined);
  assert.equal(d.enumMeaning(35, 'D'), 'NEW_ORDER_SINGLE');
  assert.equal(d.enumMeaning(54, '1'), 'BUY');
  assert.equal(d.enumMeaning(54, 'Q'), undefined);
  assert.equal(d.messageName('D'), 'NewOrderSingle');
  assert.equal(d.messageName('8'), 'ExecutionReport');
  assert.equal(d.messageName('*'), undefined);
});

test('admin messages, header and trailer fields', () => {
  const d = fix44();
  for (const t of ['0', '1', '2', '3', '4', '5', 'A']) assert.equal(d.isAdminMessage(t), true, t);
  assert.equal(d.isAdminMessage('D'), false);
  assert.equal(d.hasMessage('D'), true);
  assert.equal(d.hasMessage('*'), false);
  for (const t of [8, 9, 35, 34, 49, 52, 56, 43, 97, 122, 115, 128, 627]) assert.equal(d.isHeaderField(t), true, String(t));
  for (const t of [10, 89, 93]) assert.equal(d.isTrailerField(t), true, String(t));
  assert.equal(d.isHeaderField(11), false);
  assert.equal(d.isTrailerField(11), false);
  assert.equal(d.isHeaderField(-1), false);
  assert.deepEqual(d.headerRequired, [8, 9, 34, 35, 49, 52, 56]);
  assert.deepEqual(d.trailerRequired, [10]);
  assert.deepEqual(d.message('D')!.required, [11, 40, 54, 60]); // Symbol and OrderQty are optional inside their required components
});

test('groups: delimiter, ordered fields, nested groups', () => {
  const d = fix44();
  const parties = d.groupOf('D', 453)!;
  assert.equal(parties.countTag, 453);
  assert.equal(parties.delimiter, 448);
  assert.deepEqual(parties.fields, [448, 447, 452, 802]);
  const sub = parties.groups.get(802)!;
  assert.equal(sub.delimiter, 523);
  assert.deepEqual(sub.fields, [523, 803]);
  assert.equal(d.groupOf('D', 386)!.delimiter, 336);
  assert.equal(d.groupOf('0', 453), undefined);
  assert.equal(d.groupOf('d', 454)!.delimiter, 455);
  assert.equal(d.groupOf('D', 627)!.delimiter, 628, 'header group NoHops');
});

test('DATA fields know their length field', () => {
  const d = fix44();
  assert.equal(d.dataLengthTags.get(355), 354);
  assert.equal(d.dataLengthTags.get(89), 93);
  assert.equal(d.dataLengthTags.get(96), 95);
});

test('bad XML throws a clear message with a line number', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fixdict-'));
  const cases: [string, RegExp][] = [
    ["<fix major='4' minor='4'>\n<fields>\n<field number='1' name='A' type='INT'>\n</fields></fix>", /line 4: closing tag <\/fields> does not match <field> from line 3/],
    ["<fix major='4' minor='4'><header/><trailer/><messages/></fix>", /<fields> section not found/],
    ["<fix major='4'><fields/></fix>", /major and minor/],
    ["<fix major='4' minor='4'><fields><field number='x' name='A' type='INT'/></fields></fix>", /bad field number/],
    ["<fix major='4' minor='4'>\n<fields><field number='1' name='A' type='INT'/></fields><header><field name='B'/></header><trailer/><messages/></fix>", /line 2: <field name='B'> is not defined/],
    ["<fix major='4' minor='4'", /malformed tag|not closed/],
  ];
  cases.forEach(([xml, pattern], i) => {
    const path = join(dir, `bad${i}.xml`);
    writeFileSync(path, xml);
    assert.throws(() => Dictionary.load(path), pattern, xml);
  });
  assert.throws(() => Dictionary.load(join(dir, 'missing.xml')), /cannot read data dictionary/);
});

test('a small custom dictionary: components, required components, groups in components', () => {
  const xml = `<?xml version='1.0'?>
<!-- test dictionary -->
<fix type='FIX' major='4' minor='2'>
 <header><field name='BeginString' required='Y'/><field name='BodyLength' required='Y'/><field name='MsgType' required='Y'/></header>
 <trailer><field name='CheckSum' required='Y'/></trailer>
 <messages>
  <message name='Order' msgtype='D' msgcat='app'>
   <field name='ClOrdID' required='Y'/>
   <component name='Inst' required='Y'/>
   <component name='Opt' required='N'/>
  </message>
 </messages>
 <components>
  <component name='Inst'><field name='Symbol' required='Y'/><field name='SecurityID' required='N'/></component>
  <component name='Opt'><field name='Text' required='Y'/><group name='NoX' required='Y'><field name='XA' required='Y'/><field name='XB' required='N'/></group></component>
 </components>
 <fields>
  <field number='8' name='BeginString' type='STRING'/><field number='9' name='BodyLength' type='LENGTH'/>
  <field number='35' name='MsgType' type='STRING'><value enum='D' description='ORDER'/></field>
  <field number='10' name='CheckSum' type='STRING'/><field number='11' name='ClOrdID' type='STRING'/>
  <field number='55' name='Symbol' type='STRING'/><field number='48' name='SecurityID' type='STRING'/>
  <field number='58' name='Text' type='STRING'/><field number='7001' name='NoX' type='NUMINGROUP'/>
  <field number='7002' name='XA' type='STRING'/><field number='7003' name='XB' type='INT'/>
 </fields>
</fix>`;
  const d = Dictionary.fromXml(xml, 'custom');
  assert.equal(d.beginString, 'FIX.4.2');
  const m = d.message('D')!;
  assert.deepEqual(m.required, [11, 55]);
  assert.deepEqual([...m.fields].sort((a, b) => a - b), [11, 48, 55, 58, 7001]);
  const g = d.groupOf('D', 7001)!;
  assert.deepEqual(g.required, [7002]);
  assert.equal(d.enumMeaning(35, 'D'), 'ORDER');
});
