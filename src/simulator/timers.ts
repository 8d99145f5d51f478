// Delays that close() can cancel, so a stopped simulator leaves no timer behind.
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();

  sleep(milliseconds: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, milliseconds);
      this.pending.add(timer);
    });
  }

  /** Pending sleeps never resolve: their requests are being torn down with the server. */
  clear(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}
