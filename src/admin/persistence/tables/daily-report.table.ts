/** `jw_daily_report`: run counts per UTC day, keyed by `YYYY-MM-DD`. */
export interface DailyReportTable {
  day: string;
  running_count: number;
  succeeded_count: number;
  failed_count: number;
  update_time: number;
}
