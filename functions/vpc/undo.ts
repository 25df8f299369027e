/** Rollback of a create that fails half way: the steps done so far are undone in reverse order. */
import { logger } from '../../lib/log.js';

export class Undo {
  private readonly steps: Array<{ what: string; step: () => Promise<unknown> }> = [];

  add(what: string, step: () => Promise<unknown>): void {
    this.steps.push({ what, step });
  }

  async run(): Promise<void> {
    for (const { what, step } of this.steps.reverse()) {
      try {
        await step();
      } catch (error) {
        // The original failure is what the caller must see; this one is for the operator.
        logger.error('rollback step failed', { rollback: what, error: String(error) });
      }
    }
  }
}

export async function withUndo<T>(work: (undo: Undo) => Promise<T>): Promise<T> {
  const undo = new Undo();
  try {
    return await work(undo);
  } catch (error) {
    await undo.run();
    throw error;
  }
}
