import { CronExpressionError } from "./quartz-cron-error.js";

/**
 * The seven fields of a Quartz cron expression and the plain value lists they share: `*`, `n`, `a-b`, `a/s`,
 * `*\/s` (also written `/s`), `a-b/s`, and comma-separated lists of those. Ranges may wrap around the end of
 * the field (`22-2` hours, `FRI-MON`, `NOV-FEB`) as in Quartz; the days-of-month and days-of-week specials
 * (`L`, `W`, `#`, `?`) are handled in quartz-cron-days.ts.
 */
export interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** The largest step Quartz accepts after `*` or a single start; undefined when any step is allowed. */
  readonly maxStep: number | undefined;
  /** Three-letter names, the first one standing for `min`. */
  readonly names: readonly string[];
  /** Whether `a-b` with a > b wraps around (every field but the year). */
  readonly wraps: boolean;
}

const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
/** Quartz numbers the days of the week from 1 = Sunday to 7 = Saturday. */
export const WEEKDAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** Quartz documents years 1970-2099; schedules never fire outside them. */
export const FIRST_YEAR = 1970;
export const LAST_YEAR = 2099;

function field(name: string, min: number, max: number, maxStep: number | undefined, names: readonly string[] = []): CronField {
  return { name, min, max, maxStep, names, wraps: name !== "year" };
}

// The step limits are Quartz's: a step may not exceed the field's largest value (59, 23, 31, 12, 7).
export const SECOND = field("second", 0, 59, 59);
export const MINUTE = field("minute", 0, 59, 59);
export const HOUR = field("hour", 0, 23, 23);
export const DAY_OF_MONTH = field("day-of-month", 1, 31, 31);
export const MONTH = field("month", 1, 12, 12, MONTH_NAMES);
export const DAY_OF_WEEK = field("day-of-week", 1, 7, 7, WEEKDAY_NAMES);
export const YEAR = field("year", FIRST_YEAR, LAST_YEAR, undefined);

/**
 * Reads one value of a field: a number, or one of the field's names (case-insensitive). The message for
 * anything else says what the field accepts, and points at the right field for a misplaced special character.
 */
export function parseFieldValue(cronField: CronField, fieldText: string, token: string): { readonly value: number; readonly isName: boolean } {
  const fail = (reason: string): never => {
    throw CronExpressionError.inField(cronField.name, fieldText, reason);
  };
  if (/^\d+$/.test(token)) {
    const value = Number(token);
    if (value < cronField.min || value > cronField.max) fail(`${token} is out of range; ${cronField.name} values are ${describeRange(cronField)}`);
    return { value, isName: false };
  }
  const nameIndex = cronField.names.indexOf(token.toUpperCase());
  if (nameIndex >= 0) return { value: cronField.min + nameIndex, isName: true };
  if (token === "") return fail("a value is missing (an empty list item, or a range or step without a number)");
  if (token.includes("?")) return fail(`"?" is only allowed as the whole day-of-month or day-of-week field`);
  if (/^\d*[LW#]\d*$/i.test(token)) {
    return fail(`"${token}": L, W and # are only allowed as the whole day-of-month field (L, L-n, LW, nW) or day-of-week field (L, nL, n#k)`);
  }
  return fail(`"${token}" is not a ${cronField.name} value; expected ${describeRange(cronField)}`);
}

function describeRange(cronField: CronField): string {
  const numbers = `${cronField.min}-${cronField.max}`;
  if (cronField.names.length === 0) return numbers;
  return `${numbers} or ${cronField.names[0]}-${cronField.names[cronField.names.length - 1]}`;
}

/**
 * Expands a plain value list into the sorted distinct values it selects. `fieldText` is the whole field, quoted
 * in error messages.
 */
export function parseValueList(cronField: CronField, fieldText: string): number[] {
  const values = new Set<number>();
  for (const item of fieldText.split(",")) {
    for (const value of expandItem(cronField, fieldText, item)) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function expandItem(cronField: CronField, fieldText: string, item: string): number[] {
  const fail = (reason: string): never => {
    throw CronExpressionError.inField(cronField.name, fieldText, reason);
  };
  if (item === "") fail("has an empty list item (two commas in a row, or a comma at an end)");
  const slashParts = item.split("/");
  if (slashParts.length > 2) fail(`"${item}" has more than one "/"`);
  const [base = "", stepText] = slashParts;
  // Quartz caps the step only where it runs to the end of the field (`*/s`, `a/s`); after an explicit range
  // any step is accepted, and one longer than the range just selects its start.
  const step = stepText === undefined ? 1 : parseStep(cronField, fieldText, stepText, !base.includes("-"));

  if (base === "*" || (base === "" && stepText !== undefined)) return stepped(cronField, cronField.min, cronField.max, step);

  const rangeParts = base.split("-");
  if (rangeParts.length > 2) fail(`"${base}" is not a range; write a range as start-end, e.g. ${cronField.min}-${cronField.min + 1}`);
  const [startText = "", endText] = rangeParts;
  const start = parseFieldValue(cronField, fieldText, startText);
  const end = endText === undefined ? undefined : parseFieldValue(cronField, fieldText, endText);
  if (end !== undefined && start.isName !== end.isName) fail(`the range "${base}" mixes a name and a number; Quartz needs both ends alike`);
  if (stepText !== undefined && start.isName) {
    // Quartz silently drops a step that follows a name (MON/2 fires on Mondays only), so refuse it instead of
    // firing on days the user did not mean.
    const numeric = end === undefined ? `${start.value}` : `${start.value}-${end.value}`;
    fail(`a step after a name is ignored by Quartz; write it with numbers, e.g. ${numeric}/${step}`);
  }
  if (end === undefined) return stepText === undefined ? [start.value] : stepped(cronField, start.value, cronField.max, step);
  if (start.value > end.value && !cronField.wraps) fail(`the range "${base}" starts after it ends`);
  return stepped(cronField, start.value, end.value, step);
}

function parseStep(cronField: CronField, fieldText: string, stepText: string, capped: boolean): number {
  const fail = (reason: string): never => {
    throw CronExpressionError.inField(cronField.name, fieldText, reason);
  };
  if (!/^\d+$/.test(stepText)) fail(`the step "${stepText}" after "/" is not a whole number`);
  const step = Number(stepText);
  if (step < 1) fail("a step of 0 never advances; use 1 or more");
  if (capped && cronField.maxStep !== undefined && step > cronField.maxStep) fail(`the step ${step} is larger than ${cronField.maxStep}, the largest ${cronField.name} step Quartz accepts`);
  return step;
}

/** start, start + step, … up to end; an end below the start wraps past the field's maximum back to its minimum. */
function stepped(cronField: CronField, start: number, end: number, step: number): number[] {
  const size = cronField.max - cronField.min + 1;
  const last = end >= start ? end : end + size;
  const values: number[] = [];
  for (let value = start; value <= last; value += step) values.push(value > cronField.max ? value - size : value);
  return values;
}
