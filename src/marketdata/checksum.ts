// Book checksum: CRC32 over the top levels of a book view, so a client can verify the book it rebuilt.
//
// Definition (also in README): take at most CHECKSUM_LEVELS levels of each side of the view, best first, each as
// "<price>:<qty>" with the exact strings sent on the wire; join the bids with ",", then "|", then the asks
// joined with ","; encode as UTF-8; checksum = CRC-32 (ISO-HDLC / IEEE 802.3 / zlib: reflected polynomial
// 0xEDB88320, init 0xFFFFFFFF, final XOR 0xFFFFFFFF) as an unsigned 32-bit integer.
// Test vector: bids [["99.99","300"],["99.98","100"]], asks [["100.01","200"]]
//   → "99.99:300,99.98:100|100.01:200" → 2269047565 (0x873EEB0D); an empty book → "|" → 2343686810 (0x8BB1D29A).
// (Sanity check of the CRC variant: "123456789" → 0xCBF43926.)
import { crc32 } from 'node:zlib';

/** Levels per side covered by the checksum. */
export const CHECKSUM_LEVELS = 10;

export type WireLevel = [price: string, qty: string];

/** The exact text the checksum is computed over. */
export function checksumText(bids: readonly WireLevel[], asks: readonly WireLevel[], levels = CHECKSUM_LEVELS): string {
  let s = '';
  const nb = Math.min(levels, bids.length);
  for (let i = 0; i < nb; i++) s += (i > 0 ? ',' : '') + bids[i]![0] + ':' + bids[i]![1];
  s += '|';
  const na = Math.min(levels, asks.length);
  for (let i = 0; i < na; i++) s += (i > 0 ? ',' : '') + asks[i]![0] + ':' + asks[i]![1];
  return s;
}

/** CRC-32 (unsigned) of checksumText. */
export function bookChecksum(bids: readonly WireLevel[], asks: readonly WireLevel[], levels = CHECKSUM_LEVELS): number {
  return crc32(checksumText(bids, asks, levels)); // a string is taken as UTF-8; the result is unsigned
}
