import { describe, expect, it } from "vitest";
import { ConcurrencyLimit } from "../../src/shared/concurrency-limit.js";

/** A task the test ends by hand: it records when it starts and settles when the test says so. */
interface ManualTask {
  readonly name: string;
  readonly run: () => Promise<string>;
  started: boolean;
  succeed(): void;
  fail(error: Error): void;
}

/** Lets every pending promise callback (a waiter handed a slot, a task starting) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Tasks that record how many of them run at once (`peak`) and the order they started in. */
function manualTasks(count: number) {
  const log = { active: 0, peak: 0, starts: [] as string[] };
  const tasks = Array.from({ length: count }, (_, i): ManualTask => {
    let succeed = (): void => undefined;
    let fail = (_error: Error): void => undefined;
    const task: ManualTask = {
      name: `t${i}`,
      started: false,
      succeed: () => succeed(),
      fail: (error) => fail(error),
      run: () => {
        task.started = true;
        log.active++;
        log.peak = Math.max(log.peak, log.active);
        log.starts.push(task.name);
        return new Promise<string>((resolve, reject) => {
          succeed = () => {
            log.active--;
            resolve(task.name);
          };
          fail = (error) => {
            log.active--;
            reject(error);
          };
        });
      },
    };
    return task;
  });
  return { log, tasks };
}

function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

describe("ConcurrencyLimit", () => {
  it("never runs more than the limit at once and runs every task", async () => {
    const limit = new ConcurrencyLimit(3);
    const { log, tasks } = manualTasks(10);
    const results = tasks.map((task) => limit.run(task.run));
    await settle();
    expect(tasks.filter((t) => t.started).map((t) => t.name)).toEqual(["t0", "t1", "t2"]);

    // End them in a mixed order; each end lets exactly one waiter in.
    for (const index of [1, 0, 4, 2, 3, 7, 5, 6, 9, 8]) {
      await settle();
      const task = at(tasks, index);
      if (!task.started) throw new Error(`${task.name} should be running by now`);
      task.succeed();
      await settle();
      expect(log.active).toBeLessThanOrEqual(3);
    }

    expect(await Promise.all(results)).toEqual(tasks.map((t) => t.name));
    expect(log.peak).toBe(3);
    expect(log.active).toBe(0);
    expect(limit.queued).toBe(0);
  });

  it("keeps the limit for tasks arriving after a slot was handed from a finished task to a waiting one", async () => {
    const limit = new ConcurrencyLimit(2);
    const { log, tasks } = manualTasks(8);
    const [t0, t1, t2, t3, t4, t5, t6, t7] = tasks;
    if (t0 === undefined || t1 === undefined || t2 === undefined || t3 === undefined || t4 === undefined || t5 === undefined || t6 === undefined || t7 === undefined) throw new Error("no tasks");
    const results = [t0, t1, t2].map((task) => limit.run(task.run));
    await settle();
    t0.succeed();
    await settle();
    expect(log.starts).toEqual(["t0", "t1", "t2"]);

    // Two run (t1, t2); newcomers wait, however the slots changed hands before.
    results.push(limit.run(t3.run), limit.run(t4.run));
    await settle();
    expect(log.starts).toEqual(["t0", "t1", "t2"]);
    expect(limit.queued).toBe(2);
    t1.succeed();
    t2.succeed();
    await settle();
    expect(log.starts).toEqual(["t0", "t1", "t2", "t3", "t4"]);
    results.push(limit.run(t5.run));
    await settle();
    expect(t5.started).toBe(false);

    t3.succeed();
    await settle();
    expect(t5.started).toBe(true);
    // t4 and t5 run: another newcomer waits again.
    results.push(limit.run(t6.run), limit.run(t7.run));
    await settle();
    expect(t6.started).toBe(false);
    for (const task of [t4, t5, t6, t7]) {
      await settle();
      task.succeed();
    }
    await Promise.all(results);
    expect(log.peak).toBe(2);
    expect(log.active).toBe(0);
  });

  it("starts waiting tasks in arrival order as slots free up", async () => {
    const limit = new ConcurrencyLimit(2);
    const { log, tasks } = manualTasks(6);
    const results = tasks.map((task) => limit.run(task.run));
    await settle();
    expect(log.starts).toEqual(["t0", "t1"]);

    // The second running task ends first: the oldest waiter (t2) gets its slot, not a newer one.
    at(tasks, 1).succeed();
    await settle();
    expect(log.starts).toEqual(["t0", "t1", "t2"]);
    at(tasks, 0).succeed();
    await settle();
    expect(log.starts).toEqual(["t0", "t1", "t2", "t3"]);
    at(tasks, 3).succeed();
    at(tasks, 2).succeed();
    await settle();
    expect(log.starts).toEqual(["t0", "t1", "t2", "t3", "t4", "t5"]);
    at(tasks, 4).succeed();
    at(tasks, 5).succeed();
    expect(await Promise.all(results)).toEqual(["t0", "t1", "t2", "t3", "t4", "t5"]);
  });

  it("passes a task's failure to its caller and frees its slot for the next task", async () => {
    const limit = new ConcurrencyLimit(1);
    const { log, tasks } = manualTasks(3);
    const [first, second, third] = tasks.map((task) => limit.run(task.run));
    await settle();
    expect(log.starts).toEqual(["t0"]);

    const failure = new Error("handler blew up");
    at(tasks, 0).fail(failure);
    await expect(first).rejects.toBe(failure);
    await settle();
    expect(log.starts).toEqual(["t0", "t1"]);

    at(tasks, 1).succeed();
    await expect(second).resolves.toBe("t1");
    await settle();
    at(tasks, 2).succeed();
    await expect(third).resolves.toBe("t2");
    expect(log.active).toBe(0);
  });

  it("frees the slot of a task that throws before returning a promise", async () => {
    const limit = new ConcurrencyLimit(1);
    const thrown = limit.run<string>(() => {
      throw new Error("sync failure");
    });
    await expect(thrown).rejects.toThrow("sync failure");
    await expect(limit.run(() => Promise.resolve("next"))).resolves.toBe("next");
    expect(limit.queued).toBe(0);
  });

  it("counts the tasks waiting for a slot, not the running ones", async () => {
    const limit = new ConcurrencyLimit(2);
    expect(limit.queued).toBe(0);
    const { tasks } = manualTasks(5);
    const results = tasks.map((task) => limit.run(task.run));
    expect(limit.queued).toBe(3);

    at(tasks, 0).succeed();
    await settle();
    expect(limit.queued).toBe(2);
    at(tasks, 1).succeed();
    at(tasks, 2).succeed();
    await settle();
    expect(limit.queued).toBe(0);
    for (const task of tasks.slice(3)) task.succeed();
    await Promise.all(results);
    expect(limit.queued).toBe(0);

    // A slot freed with nobody waiting is taken at once by the next task.
    const { log, tasks: later } = manualTasks(2);
    const more = later.map((task) => limit.run(task.run));
    expect(log.starts).toEqual(["t0", "t1"]);
    expect(limit.queued).toBe(0);
    for (const task of later) task.succeed();
    await Promise.all(more);
  });
});
