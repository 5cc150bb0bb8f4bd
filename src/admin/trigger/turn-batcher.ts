interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (output: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Gathers the items submitted within one turn of the event loop and processes them together, in batches of at
 * most `maxBatch`, one batch after the other (a later turn's batches may run alongside them). The trigger path produces its writes one run at a time (each
 * executor answer, each failed trigger), and one statement and one durable commit per run is what would limit a
 * burst; gathering a turn's worth costs no added delay. Each caller's promise settles with its own item's output
 * (`process` returns one output per item, in order) or with the batch's error.
 */
export class TurnBatcher<I, O> {
  private pending: Pending<I, O>[] = [];
  private scheduled = false;

  constructor(
    private readonly process: (items: readonly I[]) => Promise<readonly O[]>,
    private readonly maxBatch: number,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        const outputs = await this.process(batch.map((p) => p.item));
        batch.forEach((p, i) => p.resolve(outputs[i] as O));
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
  }
}
