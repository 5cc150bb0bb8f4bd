/**
 * Diagnostics for the scheduler benchmarks (`JOBWIRE_BENCH_DEBUG=1`): when a process's event loop stood still for
 * more than 50 ms, and its garbage collections over 20 ms, with the wall-clock second they ended, to set beside the
 * bench's list of late instants. The admin child watches itself; the bench process (the fake executor) too.
 */
import { PerformanceObserver, performance } from "node:perf_hooks";

/** Starts watching; the returned function describes what was seen so far and stops watching. */
export function watchStalls(): () => string {
  const events: string[] = [];
  const at = (ms: number): string => new Date(ms).toISOString().slice(17, 23);
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    if (now - last > 60) events.push(`${at(now)} loop stalled ${now - last - 10} ms`);
    last = now;
  }, 10);
  timer.unref();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration <= 20) continue;
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? "?";
      events.push(`${at(performance.timeOrigin + entry.startTime + entry.duration)} gc ${kind} ${entry.duration.toFixed(0)} ms`);
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  return () => {
    clearInterval(timer);
    observer.disconnect();
    return `stalls (loop > 50 ms, gc > 20 ms): ${events.join("; ") || "none"}`;
  };
}
