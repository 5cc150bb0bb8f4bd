/**
 * `jw_daily_report_slot`: run counts per day (`YYYY-MM-DD` in the report time zone), spread over a few slots per
 * day so that concurrent finishers do not queue on one row; a day's counts are the sum of its slots.
 */
export interface DailyReportTable {
  day: string;
  slot: number;
  running_count: number;
  succeeded_count: number;
  failed_count: number;
  update_time: number;
}
