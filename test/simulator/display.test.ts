// How the prompt shows messages: names from the FIX 4.4 dictionary, enum meanings, colour by kind, and the one-line
// summary of an ExecutionReport.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeMessage, colourOf, paint, summarizeExecutionReport } from '../../simulator/display.js';
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

test('an ExecutionReport summary: ExecType, OrdStatus, symbol, side, LastQty@LastPx on a fill, CumQty/LeavesQty, then reject details', () => {
  const fill = msg('8', [[37, '5'], [11, 'A1'], [17, '3.2'], [150, 'F'], [39, '1'], [55, 'AAPL'], [54, '1'], [38, '100'],
    [32, '40'], [31, '190.05'], [151, '60'], [14, '40'], [6, '190.05']]);
  assert.equal(summarizeExecutionReport(fill, dict), 'ExecutionReport #9 F:TRADE 1:PARTIALLY_FILLED AAPL 1:BUY 40@190.05 cum/leaves 40/60 ClOrdID=A1');
  const ack = msg('8', [[37, '5'], [11, 'A1'], [150, '0'], [39, '0'], [55, 'AAPL'], [54, '2'], [32, '0'], [151, '100'], [14, '0']]);
  assert.equal(summarizeExecutionReport(ack, dict), 'ExecutionReport #9 0:NEW 0:NEW AAPL 2:SELL cum/leaves 0/100 ClOrdID=A1');
  const reject = msg('8', [[37, 'NONE'], [11, 'R1'], [150, '8'], [39, '8'], [55, 'ZZZ'], [54, '1'], [151, '0'], [14, '0'], [103, '1'], [58, 'unknown symbol ZZZ']]);
  assert.equal(summarizeExecutionReport(reject, dict),
    'ExecutionReport #9 8:REJECTED 8:REJECTED ZZZ 1:BUY cum/leaves 0/0 ClOrdID=R1 OrdRejReason=1:UNKNOWN_SYMBOL Text="unknown symbol ZZZ"');
});
