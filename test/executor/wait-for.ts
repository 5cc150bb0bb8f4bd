/**
 * Polls `probe` until it returns something other than undefined, or fails after `timeoutMs` naming `what`.
 * The executor tests wait for conditions this way instead of sleeping a fixed time.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? "" : ` (last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)})`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
