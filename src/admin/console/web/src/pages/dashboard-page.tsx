import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useState, type ReactNode } from "react";
import { api } from "../api/clients.js";
import { COLORS, LineChart, PieChart } from "../components/charts.js";
import { useLoad } from "../components/hooks.js";
import { Loading } from "../components/ui.js";

const DAY_MS = 86_400_000;

/** XXL-JOB's range presets. The admin rounds the start down to a UTC day. */
const PRESETS: Record<string, () => { start: Date; end: Date }> = {
  "Recent week": () => ({ start: new Date(Date.now() - 7 * DAY_MS), end: new Date() }),
  Today: () => ({ start: startOfDay(new Date()), end: new Date() }),
  Yesterday: () => ({ start: startOfDay(new Date(Date.now() - DAY_MS)), end: startOfDay(new Date()) }),
  "This month": () => ({ start: new Date(new Date().getFullYear(), new Date().getMonth(), 1), end: new Date() }),
  "Last month": () => ({ start: new Date(new Date().getFullYear(), new Date().getMonth() - 1, 1), end: new Date(new Date().getFullYear(), new Date().getMonth(), 1) }),
  "Recent month": () => ({ start: new Date(Date.now() - 30 * DAY_MS), end: new Date() }),
};

function startOfDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

function dateInput(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
}

export function DashboardPage(): ReactNode {
  const [range, setRange] = useState(() => PRESETS["Recent week"]!());
  const loaded = useLoad(
    () => api.dashboard.getDashboard({ startTime: timestampFromDate(range.start), endTime: timestampFromDate(range.end) }),
    [range.start.getTime(), range.end.getTime()],
  );
  const data = loaded.data;
  return (
    <section>
      <h1>Dashboard</h1>
      <div className="toolbar">
        {Object.entries(PRESETS).map(([label, preset]) => (
          <button type="button" key={label} onClick={() => setRange(preset())}>
            {label}
          </button>
        ))}
        <label>
          From <input type="date" aria-label="From" value={dateInput(range.start)} onChange={(event) => event.target.valueAsDate !== null && setRange({ ...range, start: new Date(event.target.value + "T00:00") })} />
        </label>
        <label>
          To <input type="date" aria-label="To" value={dateInput(range.end)} onChange={(event) => event.target.valueAsDate !== null && setRange({ ...range, end: new Date(new Date(event.target.value + "T00:00").getTime() + DAY_MS) })} />
        </label>
      </div>
      <Loading error={loaded.error} loading={loaded.loading && data === undefined} />
      {data !== undefined && (
        <>
          <div className="counters">
            <Counter label="Jobs" value={data.jobCount} detail={`${data.runningJobCount} scheduled`} />
            <Counter label="Runs in range" value={data.succeededRunCount + data.failedRunCount + data.runningRunCount} />
            <Counter label="Succeeded" value={data.succeededRunCount} testId="succeeded-count" />
            <Counter label="Failed" value={data.failedRunCount} />
            <Counter label="Running" value={data.runningRunCount} />
            <Counter label="Online executors" value={data.onlineExecutorCount} />
          </div>
          <div className="charts">
            <div className="card">
              <h2>Daily runs</h2>
              <LineChart
                labels={data.days.map((day) => day.day)}
                series={[
                  { label: "Succeeded", color: COLORS.succeeded, values: data.days.map((day) => Number(day.succeededCount)) },
                  { label: "Failed", color: COLORS.failed, values: data.days.map((day) => Number(day.failedCount)) },
                  { label: "Running", color: COLORS.running, values: data.days.map((day) => Number(day.runningCount)) },
                ]}
              />
            </div>
            <div className="card">
              <h2>Outcomes</h2>
              <PieChart
                slices={[
                  { label: "Succeeded", color: COLORS.succeeded, value: Number(data.succeededRunCount) },
                  { label: "Failed", color: COLORS.failed, value: Number(data.failedRunCount) },
                  { label: "Running", color: COLORS.running, value: Number(data.runningRunCount) },
                ]}
              />
            </div>
          </div>
        </>
      )}
    </section>
  );
}

function Counter(props: { label: string; value: bigint; detail?: string; testId?: string }): ReactNode {
  return (
    <div className="counter card" data-testid={props.testId}>
      <span className="value">{props.value.toString()}</span>
      <span className="label">{props.label}</span>
      {props.detail !== undefined && <span className="muted">{props.detail}</span>}
    </div>
  );
}
