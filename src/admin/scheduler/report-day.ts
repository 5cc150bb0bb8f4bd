/**
 * The calendar day (`YYYY-MM-DD`) of an instant in a time zone: the key of the daily report row a run counts
 * in. Formatters are cached per zone because building one is far slower than using it, and each zone's last answer
 * is kept for its second, because the runs finished together mostly share their trigger second (no zone's offset
 * has a fraction of a second, so a day never changes within one).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const lastAnswer = new Map<string, { readonly second: number; readonly day: string }>();

export function reportDay(instantMs: number, timeZone: string): string {
  const second = Math.floor(instantMs / 1000);
  const last = lastAnswer.get(timeZone);
  if (last?.second === second) return last.day;
  let format = formatters.get(timeZone);
  if (format === undefined) {
    // en-CA formats dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(timeZone, format);
  }
  const day = format.format(new Date(instantMs));
  lastAnswer.set(timeZone, { second, day });
  return day;
}
