// Open connections per source address, bounded: one host cannot take all of the process's file descriptors.
// Used by the FIX acceptor (MaxConnectionsPerAddress) and the HTTP server (MaxHttpConnectionsPerAddress).

export class ConnectionsPerAddress {
  readonly #open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Counts one more connection from `address`; false (nothing counted) when it already has `max` open. */
  admit(address: string): boolean {
    const n = (this.#open.get(address) ?? 0) + 1;
    if (n > this.max) return false;
    this.#open.set(address, n);
    return true;
  }

  /** An admitted connection from `address` closed. */
  release(address: string): void {
    const left = (this.#open.get(address) ?? 1) - 1;
    if (left <= 0) this.#open.delete(address); else this.#open.set(address, left);
  }
}
