// Delays that close() can cancel, so a stopped simulator leaves no timer behind.

/** Every delay the simulator takes goes through this port, so a test can see and release each one in order. */
export type SimulatorTimers = {
  sleep(milliseconds: number): Promise<void>;
  /** Called by close(): pending sleeps may then never resolve, their requests being torn down with the server. */
  clear(): void;
};

export class Timers implements SimulatorTimers {
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

  clear(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}
