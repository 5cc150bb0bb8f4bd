import { ArcElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PieController, PointElement, Tooltip } from "chart.js";
import { useEffect, useRef, type ReactNode, type RefObject } from "react";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, PieController, ArcElement, Tooltip, Legend);

export const COLORS = { succeeded: "#2e9d5b", failed: "#d64545", running: "#e0a526" };

export interface Series {
  readonly label: string;
  readonly color: string;
  readonly values: readonly number[];
}

/** Draws a Chart.js chart into a canvas and redraws it when the data changes. */
function useChart(build: (canvas: HTMLCanvasElement) => Chart, deps: readonly unknown[]): RefObject<HTMLCanvasElement | null> {
  const canvas = useRef<HTMLCanvasElement | null>(null);
  useEffect(() => {
    if (canvas.current === null) return undefined;
    const chart = build(canvas.current);
    return () => chart.destroy();
  }, deps);
  return canvas;
}

export function LineChart(props: { labels: readonly string[]; series: readonly Series[] }): ReactNode {
  const canvas = useChart(
    (element) =>
      new Chart(element, {
        type: "line",
        data: {
          labels: [...props.labels],
          datasets: props.series.map((series) => ({ label: series.label, data: [...series.values], borderColor: series.color, backgroundColor: series.color, tension: 0.2 })),
        },
        options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      }),
    [JSON.stringify(props)],
  );
  return (
    <div className="chart">
      <canvas ref={canvas} aria-label="Daily runs" />
    </div>
  );
}

export function PieChart(props: { slices: readonly { label: string; color: string; value: number }[] }): ReactNode {
  const canvas = useChart(
    (element) =>
      new Chart(element, {
        type: "pie",
        data: {
          labels: props.slices.map((slice) => slice.label),
          datasets: [{ data: props.slices.map((slice) => slice.value), backgroundColor: props.slices.map((slice) => slice.color) }],
        },
        options: { animation: false, maintainAspectRatio: false },
      }),
    [JSON.stringify(props.slices)],
  );
  return (
    <div className="chart pie">
      <canvas ref={canvas} aria-label="Runs by outcome" />
    </div>
  );
}
