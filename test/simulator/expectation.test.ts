// `expect` lines: which messages they accept, and the diff they print when the message differs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpectation, checkMessage, formatDiff, ExpectationError } from '../../simulator/expectation.js';
import { fix44Dictionary } from '../../simulator/sim-session.js';
import { parseMessage, type FixMessage } from '../../src/fix/message.js';
import { encodeMessage } from '../../src/fix/encode.js';

const dict = fix44Dictionary();
const fill = parseMessage(encodeMessage('FIX.4.4', '8', [[34, '7'], [49, 'FIXGW'], [56, 'C1']],
  [[37, '12'], [11, 'B1'], [17, '3.2'], [150, 'F'], [39, '1'], [55, 'ETH-USD'], [32, '1.5000'], [31, '3001.00'], [151, '3.5000'], [58, 'Partial Fill here']])) as FixMessage;

function matches(text: string): boolean {
  return checkMessage(parseExpectation(text, dict), fill).ok;
}

test('tag=value compares decimals by value and everything else exactly', () => {
  assert.ok(matches('35=8 150=F 32=1.5 31=3001 151=3.5'));
  assert.ok(!matches('32=1.4'));
  assert.ok(!matches('150=f'));
  assert.ok(!matches('11=B1 55=ETH'));
});

test('field names, presence, absence and case-insensitive contains', () => {
  assert.ok(matches('ExecType=F OrdStatus=1 ClOrdID=B1'));
  assert.ok(matches('37=* !103 58~"partial fill"'));
  assert.ok(!matches('!58'));
  assert.ok(!matches('103=*'));
  assert.ok(!matches('58~cancel'));
});

test('TAG=$name captures a value the first time and must match it afterwards', () => {
  const vars = new Map<string, string>();
  assert.ok(checkMessage(parseExpectation('37=$oid 11=B1', dict), fill, vars).ok);
  assert.equal(vars.get('oid'), '12');
  assert.ok(checkMessage(parseExpectation('OrderID=$oid', dict), fill, vars).ok);
  vars.set('oid', '13');
  const { ok, results } = checkMessage(parseExpectation('37=$oid', dict), fill, vars);
  assert.equal(ok, false);
  assert.match(formatDiff(results, fill, dict, vars), /FAIL\s+37\s+OrderID\s+\$oid = 13\s+12/);
  // nothing is captured from a message that fails another check
  const fresh = new Map<string, string>();
  assert.equal(checkMessage(parseExpectation('37=$x 150=0', dict), fill, fresh).ok, false);
  assert.equal(fresh.size, 0);
});

test('malformed expectations name the problem', () => {
  assert.throws(() => parseExpectation('', dict), /at least one field/);
  assert.throws(() => parseExpectation('NoSuchField=1', dict), /unknown field 'NoSuchField'/);
  assert.throws(() => parseExpectation('150', dict), /'150' has no value/);
  assert.throws(() => parseExpectation('!58=x', dict), /write !TAG alone/);
  assert.throws(() => parseExpectation('=5', dict), ExpectationError);
});

test('the diff lists every checked field with expected and received values and marks the failures', () => {
  const exp = parseExpectation('35=8 150=0 32=100 !58 11=B1', dict);
  const { ok, results } = checkMessage(exp, fill);
  assert.equal(ok, false);
  const diff = formatDiff(results, fill, dict);
  const lines = diff.split('\n');
  assert.match(lines[0]!, /received ExecutionReport \(35=8, 34=7\)/);
  assert.match(diff, /FAIL\s+150\s+ExecType\s+0 \(NEW\)\s+F \(TRADE\)/);
  assert.match(diff, /FAIL\s+32\s+LastQty\s+100\s+1\.5000/);
  assert.match(diff, /FAIL\s+58\s+Text\s+\(absent\)\s+Partial Fill here/);
  assert.match(diff, /ok\s+11\s+ClOrdID\s+B1\s+B1/);
  assert.match(diff, /message: 8=FIX\.4\.4\|9=\d+\|35=8\|/);
});
