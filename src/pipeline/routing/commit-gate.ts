// The commit gate of a request's attempts (see model-call.ts).
import { hedgeLost } from '../stream-prime.js';

/**
 * Which attempt may write to the client: the first to reach its commit point (a stream's first chunk, a
 * JSON answer complete). The others are cancelled at that moment.
 */
export class CommitGate {
  /** Attempts started so far (X-Switchyard-Attempts). */
  attempts = 0;
  /** Which attempt the visibility headers describe now, and the attempt count they show. */
  describedBy = 0;
  describedAttempts = 0;
  private winner: number | undefined;
  private readonly running = new Map<number, AbortController>();

  get committed(): boolean {
    return this.winner !== undefined;
  }

  isWinner(attempt: number): boolean {
    return this.winner === attempt;
  }

  join(attempt: number, controller: AbortController): void {
    this.running.set(attempt, controller);
  }

  leave(attempt: number): void {
    this.running.delete(attempt);
  }

  claim(attempt: number): boolean {
    if (this.winner !== undefined) return this.winner === attempt;
    this.winner = attempt;
    for (const [other, controller] of this.running) {
      if (other !== attempt) controller.abort(hedgeLost(attempt));
    }
    return true;
  }

  cancelAll(reason: unknown): void {
    for (const controller of this.running.values()) controller.abort(reason);
  }
}


