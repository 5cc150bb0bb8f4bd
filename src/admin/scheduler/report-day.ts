/**
 * The calendar day (`YYYY-MM-DD`) of an instant in a time zone: the key of the daily report row a run counts
 * in. Formatters are cached per zone because building one is far slower than using it.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function reportDay(instantMs: number, timeZone: string): string {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    // en-CA formats dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(timeZone, format);
  }
  return format.format(new Date(instantMs));
}
