// The book checksum as documented: CRC-32 (zlib/IEEE) over "bid:qty,...|ask:qty,..." of the top 10 levels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { bookChecksum, checksumText, CHECKSUM_LEVELS } from '../../src/marketdata/index.js';

test('checksum test vector from the README', () => {
  const bids: Array<[string, string]> = [['99.99', '300'], ['99.98', '100']];
  const asks: Array<[string, string]> = [['100.01', '200']];
  assert.equal(checksumText(bids, asks), '99.99:300,99.98:100|100.01:200');
  assert.equal(bookChecksum(bids, asks), 2269047565);
  assert.equal(bookChecksum([], []), 2343686810);
});

test('checksum is the standard CRC-32 (same as zlib) of the text', () => {
  const text = '60000.01:0.5000,59999.99:1.2500|60000.02:0.0001';
  const bids: Array<[string, string]> = [['60000.01', '0.5000'], ['59999.99', '1.2500']];
  const asks: Array<[string, string]> = [['60000.02', '0.0001']];
  assert.equal(checksumText(bids, asks), text);
  assert.equal(bookChecksum(bids, asks), crc32(text));
  // zlib computes CRC-32/ISO-HDLC: its standard check value
  assert.equal(crc32('123456789'), 0xcbf43926);
});

test('only the top 10 levels of each side count', () => {
  const levels = (n: number, from: number, step: number): Array<[string, string]> =>
    Array.from({ length: n }, (_, i) => [(from + i * step).toFixed(2), '1']);
  const bids = levels(15, 100, -1);
  const asks = levels(15, 101, 1);
  assert.equal(CHECKSUM_LEVELS, 10);
  assert.equal(bookChecksum(bids, asks), bookChecksum(bids.slice(0, 10), asks.slice(0, 10)));
  assert.notEqual(bookChecksum(bids, asks), bookChecksum(bids.slice(0, 9), asks.slice(0, 10)));
});
