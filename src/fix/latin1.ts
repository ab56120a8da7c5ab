// Latin-1 text of a byte range, without Buffer.toString's argument handling: on hot paths (FixMessage values,
// the message log) that wrapper cost more than the copy itself. Buffer.prototype.latin1Slice is the native
// method toString('latin1', ...) ends in (Node 20); when a runtime lacks it, toString is used.

type Latin1Slicing = Buffer & { latin1Slice(start: number, end: number): string };

const native = typeof (Buffer.prototype as Partial<Latin1Slicing>).latin1Slice === 'function';

/** bytes[start, end) as a latin1 string, exactly as bytes.toString('latin1', start, end); 0 <= start <= end <= bytes.length. */
export const latin1Slice: (bytes: Buffer, start: number, end: number) => string = native
  ? (bytes, start, end) => (bytes as Latin1Slicing).latin1Slice(start, end)
  : (bytes, start, end) => bytes.toString('latin1', start, end);
