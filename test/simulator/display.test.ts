// How the prompt shows messages: names from the FIX 4.4 dictionary, enum meanings, colour by kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeMessage, colourOf, paint } from '../../simulator/display.js';
import { fix44Dictionary } from '../../simulator/sim-session.js';
import { parseMessage, type FixMessage } from '../../src/fix/message.js';
import { encodeMessage } from '../../src/fix/encode.js';
import type { FieldList } from '../../src/fix/types.js';

const dict = fix44Dictionary();
const header: FieldList = [[34, '9'], [49, 'FIXGW'], [52, '20250101-00:00:00.000'], [56, 'C1']];
const msg = (type: string, body: FieldList) => parseMessage(encodeMessage('FIX.4.4', type, header, body)) as FixMessage;

test('a message is one line: name, sequence number, then Name(tag)=value:MEANING for the body', () => {
  const er = msg('8', [[37, '5'], [11, 'A1'], [150, 'F'], [39, '2'], [55, 'AAPL'], [54, '1'], [32, '100'], [9999, 'x']]);
  assert.equal(describeMessage(er, dict),
    'ExecutionReport(8) #9 OrderID(37)=5 ClOrdID(11)=A1 ExecType(150)=F:TRADE OrdStatus(39)=2:FILLED Symbol(55)=AAPL Side(54)=1:BUY LastQty(32)=100 (9999)=x');
});

test('rejects are red, fills green, cancels and replaces yellow, other reports cyan, admin dim', () => {
  assert.equal(colourOf(msg('8', [[150, '8']])), 'red');
  assert.equal(colourOf(msg('3', [[45, '2']])), 'red');
  assert.equal(colourOf(msg('j', [[45, '2']])), 'red');
  assert.equal(colourOf(msg('9', [[11, 'x']])), 'red');
  assert.equal(colourOf(msg('8', [[150, 'F']])), 'green');
  assert.equal(colourOf(msg('8', [[150, '4']])), 'yellow');
  assert.equal(colourOf(msg('8', [[150, '5']])), 'yellow');
  assert.equal(colourOf(msg('8', [[150, '0']])), 'cyan');
  assert.equal(colourOf(msg('0', [])), 'dim');
  assert.equal(colourOf(msg('B', [[148, 'x']])), null);
  assert.equal(paint('hi', 'red', true), '\x1b[31mhi\x1b[0m');
  assert.equal(paint('hi', 'red', false), 'hi');
});
