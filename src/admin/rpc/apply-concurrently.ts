/**
 * Applies `apply` to the items of `source` with up to `limit` applications running at once, yielding each output
 * as its application finishes (not in input order). A stream whose items are independent units of work — the
 * result batches of one executor's `Callback` stream — then keeps the database busy with the next batch while the
 * previous one commits, instead of waiting for each commit before reading the next message. The first failure
 * (of the source or of an application) ends the generator with that error once the applications already running
 * have settled, so that none is left writing behind a closed stream.
 */
export async function* applyConcurrently<I, O>(source: AsyncIterable<I>, apply: (item: I) => Promise<O>, limit: number): AsyncGenerator<O> {
  const running = new Set<Promise<void>>();
  const finished: O[] = [];
  let failure: { error: unknown } | undefined;
  let sourceDone = false;
  let notify: (() => void) | undefined;
  const wake = (): void => {
    const resolve = notify;
    notify = undefined;
    resolve?.();
  };
  const start = (item: I): void => {
    const application: Promise<void> = apply(item)
      .then(
        (output) => void finished.push(output),
        (error: unknown) => void (failure ??= { error }),
      )
      .finally(() => {
        running.delete(application);
        wake();
      });
    running.add(application);
  };
  const reader = (async () => {
    try {
      for await (const item of source) {
        if (failure !== undefined) break;
        start(item);
        while (running.size >= limit && failure === undefined) await Promise.race(running);
      }
    } catch (error) {
      failure ??= { error };
    } finally {
      sourceDone = true;
      wake();
    }
  })();
  try {
    for (;;) {
      while (finished.length > 0) yield finished.shift() as O;
      if (failure !== undefined || (sourceDone && running.size === 0)) break;
      await new Promise<void>((resolve) => {
        notify = resolve;
        // Something may have happened between the checks above and now.
        if (finished.length > 0 || failure !== undefined || (sourceDone && running.size === 0)) wake();
      });
    }
    await Promise.allSettled([...running]);
    if (failure !== undefined) throw failure.error;
  } finally {
    // The reader ends with the source (the RPC stream closes when the call ends); it never rejects.
    void reader;
  }
}
