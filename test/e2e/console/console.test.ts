import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startAdmin, type Admin } from "../../../src/admin/index.js";
import { createExecutor, type Executor } from "../../../src/executor/index.js";
import { ScheduleType } from "../../../src/gen/jobwire/v1/job_pb.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { loginAs, type ConsoleClients } from "../../helpers/console-client.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/databases.js";
import { waitFor } from "../../helpers/wait-for.js";
import { buildConsole, CHROMIUM_PATH, chromiumInstalled, launchChromium, screenshot } from "./console-browser.js";

const ADMIN_PASSWORD = "console-e2e-password";
const ALICE_PASSWORD = "sunflower-meadow-42";
const STEP_TIMEOUT = 120_000;

/**
 * The web console in headless Chromium against a real admin (SQLite) and a real executor: every step goes
 * through the browser, which talks to the admin over the Connect protocol only.
 */
describe("web console in Chromium", () => {
  if (!chromiumInstalled()) {
    // Not skipped: without the browser this test cannot show anything, and CI must say so.
    it("needs Chromium", () => {
      throw new Error(`${CHROMIUM_PATH} is missing; install Debian's chromium (bash .ci/run does it)`);
    });
    return;
  }
  let workDir: string;
  let database: TestDatabase;
  let admin: Admin;
  let adminApi: ConsoleClients;
  let browser: Browser;
  let page: Page;
  let executor: Executor | undefined;
  let releaseHandler: () => void = () => {};
  const handlerGate = new Promise<void>((resolve) => {
    releaseHandler = resolve;
  });

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "jobwire-console-"));
    const consoleDir = path.join(workDir, "console");
    await buildConsole(consoleDir);
    // The admin's console handler reads this on every request (this test file runs in its own process).
    process.env["JOBWIRE_CONSOLE_DIR"] = consoleDir;
    database = await createTestDatabase("sqlite");
    admin = await startAdmin({ databaseUrl: database.url, host: "127.0.0.1", port: 0, initialAdminPassword: ADMIN_PASSWORD, logger: silentLogger });
    adminApi = await loginAs(admin.url, "admin", ADMIN_PASSWORD);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Generous waits: CI runs this beside the other test files on two cores.
    page.setDefaultTimeout(60_000);
    // Browser-side failures would otherwise be invisible in the test output.
    page.on("pageerror", (error) => console.error("page error:", error.message));
  }, 180_000);

  afterAll(async () => {
    delete process.env["JOBWIRE_CONSOLE_DIR"];
    releaseHandler();
    await browser?.close();
    await executor?.stop();
    await admin?.stop(100);
    await database?.drop();
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  afterEach(async (context) => {
    // A failed step leaves a picture of what the browser showed.
    if (context.task.result?.state === "fail" && page !== undefined) await screenshot(page, `failed-${context.task.name.replaceAll(/\W+/g, "-")}`);
  });

  const goto = async (pathname: string): Promise<void> => {
    await page.goto(new URL(pathname, admin.url).href);
  };
  const login = async (username: string, password: string): Promise<void> => {
    await page.locator('input[name="username"]').fill(username);
    await page.locator('input[name="password"]').fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("current-user").filter({ hasText: username }).waitFor();
  };

  it("logs in and shows the dashboard", { timeout: STEP_TIMEOUT }, async () => {
    await goto("/");
    await page.locator('input[name="username"]').waitFor();
    await screenshot(page, "01-login");
    await page.locator('input[name="username"]').fill("admin");
    await page.locator('input[name="password"]').fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").first().waitFor();
    await login("admin", ADMIN_PASSWORD);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    expect(await page.getByTestId("current-user").textContent()).toBe("admin");
  });

  it("creates an executor group, shows its token once and its executor online", { timeout: STEP_TIMEOUT }, async () => {
    await goto("/groups");
    await page.getByRole("button", { name: "Add group" }).click();
    await page.locator('input[name="appName"]').fill("Bad Name");
    await page.locator('input[name="groupTitle"]').fill("Console demo");
    await page.getByRole("button", { name: "Save" }).click();
    // The admin names the field; the console shows the message next to that input.
    await page.locator('[data-field="executor_group.app_name"] .field-error').waitFor();
    await page.locator('input[name="appName"]').fill("console-demo");
    await page.getByRole("button", { name: "Save" }).click();
    const token = (await page.getByTestId("access-token").textContent()) ?? "";
    expect(token.length).toBeGreaterThanOrEqual(16);

    executor = createExecutor({ adminAddresses: [admin.url], appName: "console-demo", accessToken: token, host: "127.0.0.1", port: 0, logDir: path.join(workDir, "logs"), logger: silentLogger });
    executor.register("consoleEcho", async (ctx) => {
      ctx.log("starting with %s", ctx.param);
      // Held until the browser has shown the first line, so the log is seen arriving while the run is live.
      await handlerGate;
      ctx.log("finished");
      return `echo: ${ctx.param}`;
    });
    executor.register("consoleSleeper", async (ctx) => {
      ctx.log("sleeping until killed");
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
      return "woke up";
    });
    await executor.start();
    const address = executor.address;
    await waitFor("the executor to register", async () => {
      const { executorGroups } = await adminApi.groups.listExecutorGroups({});
      return executorGroups.some((group) => group.addresses.includes(address)) ? true : undefined;
    });
    await goto("/groups");
    const row = page.locator('tr[data-group="console-demo"]');
    await row.getByText(address).waitFor();
    await row.getByRole("button", { name: "Executors" }).click();
    await page.getByTestId("last-beat").first().waitFor();
    await screenshot(page, "02-executor-groups");
  });

  it("creates a job with the cron helper, refusing a missing author next to its field", { timeout: STEP_TIMEOUT }, async () => {
    await goto("/jobs");
    await page.getByRole("button", { name: "Add job" }).click();
    await page.locator('input[name="displayName"]').fill("Echo job");
    await page.locator('input[name="handler"]').fill("consoleEcho");
    await page.locator('input[name="cron"]').fill("0 0 2 * * ?");
    // The helper previews the next five fire times of the unsaved schedule.
    // (Debounced: wait for the preview of the typed expression, not of the form's default one.)
    const fireTimes = page.getByTestId("next-fire-times").locator("li");
    await fireTimes.nth(4).filter({ hasText: "02:00:00" }).waitFor();
    expect(await fireTimes.allTextContents()).toHaveLength(5);
    for (const time of await fireTimes.allTextContents()) expect(time).toMatch(/ 02:00:00$/);
    await screenshot(page, "03-job-form");
    await page.getByRole("button", { name: "Save" }).click();
    const authorError = page.locator('[data-field="job.author"] .field-error');
    await authorError.waitFor();
    expect(await authorError.textContent()).toContain("required");
    await page.locator('input[name="author"]').fill("e2e");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator('tr[data-job="Echo job"]').waitFor();
    const { jobs } = await adminApi.jobs.listJobs({});
    expect(jobs.map((job) => [job.displayName, job.handler, job.schedule?.cron])).toEqual([["Echo job", "consoleEcho", "0 0 2 * * ?"]]);
    await screenshot(page, "04-jobs");
  });

  it("runs the job once with a param and follows its log live until it succeeds", { timeout: STEP_TIMEOUT }, async () => {
    await page.locator('tr[data-job="Echo job"]').getByRole("button", { name: "Run once" }).click();
    await page.locator('textarea[name="triggerParam"]').fill("from-the-browser");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.getByRole("status").getByRole("link").first().click();
    const log = page.getByTestId("run-log");
    await log.getByText("starting with from-the-browser").waitFor();
    // The first line arrived while the handler is still held: the page is following a live run.
    expect(await page.getByTestId("log-status").textContent()).toBe("following…");
    await screenshot(page, "05-run-live-log");
    releaseHandler();
    await log.getByText("finished").waitFor();
    await page.getByTestId("log-status").filter({ hasText: "complete" }).waitFor();
    await page.getByTestId("run-state").filter({ hasText: "succeeded" }).first().waitFor();
    expect(await page.getByTestId("handle-message").textContent()).toBe("echo: from-the-browser");
    await screenshot(page, "06-run-detail");
  });

  it("lists the run as succeeded on the runs page and counts it on the dashboard", { timeout: STEP_TIMEOUT }, async () => {
    await goto("/runs");
    const row = page.locator("tr[data-run]").first();
    await row.getByTestId("run-state").filter({ hasText: "succeeded" }).waitFor();
    await screenshot(page, "07-runs");
    await goto("/");
    const succeeded = page.getByTestId("succeeded-count").locator(".value");
    await succeeded.filter({ hasText: "1" }).waitFor();
    await page.locator("canvas").first().waitFor();
    await screenshot(page, "08-dashboard");
  });

  it("edits, starts, stops and copies a job, and kills a running run", { timeout: STEP_TIMEOUT }, async () => {
    await goto("/jobs");
    const row = page.locator('tr[data-job="Echo job"]');
    await row.getByRole("button", { name: "Edit" }).click();
    await page.locator('input[name="param"]').fill("edited param");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    const echo = (await adminApi.jobs.listJobs({ displayNameContains: "Echo job" })).jobs[0];
    expect(echo?.param).toBe("edited param");
    await row.getByRole("button", { name: "Start" }).click();
    await row.getByText("running").waitFor();
    await row.getByRole("button", { name: "Stop" }).click();
    await row.getByText("stopped").waitFor();
    await row.getByRole("button", { name: "Copy" }).click();
    expect(await page.locator('input[name="displayName"]').inputValue()).toBe("Echo job (copy)");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator('tr[data-job="Echo job (copy)"]').waitFor();

    const group = echo?.executorGroup ?? "";
    const { job: sleeper } = await adminApi.jobs.createJob({ job: { executorGroup: group, displayName: "Sleeper", author: "e2e", handler: "consoleSleeper", schedule: { type: ScheduleType.NONE } } });
    const { runs } = await adminApi.jobs.triggerJob({ name: sleeper?.name ?? "" });
    await goto(`/runs?job=${encodeURIComponent(sleeper?.name ?? "")}`);
    const runRow = page.locator(`tr[data-run="${runs[0] ?? ""}"]`);
    // The list is read once; reload until the executor has accepted the run and the Kill button is offered.
    // After each reload the list is fetched again: wait for the run's row to render before looking for the button
    // (looking at once raced the fetch, and on a loaded machine always saw the row missing).
    await waitFor("the sleeper run to be running", async () => {
      await page.reload();
      await runRow.waitFor({ timeout: 15_000 });
      return (await runRow.getByRole("button", { name: "Kill" }).count()) > 0 ? true : undefined;
    }, 60_000, 250);
    await runRow.getByRole("button", { name: "Kill" }).click();
    await runRow.getByTestId("run-state").filter({ hasText: "killed" }).waitFor();
    await screenshot(page, "07b-runs-killed");
  });

  it("exports a group's jobs to a file and imports it back, dry run first", { timeout: STEP_TIMEOUT }, async () => {
    await goto("/transfer");
    await page.getByLabel("Executor group").selectOption({ label: "Console demo" });
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download export" }).click()]);
    const file = await download.path();
    const text = await readFile(file, "utf8");
    const exported = JSON.parse(text) as { jobs: { job: { displayName: string } }[] };
    const names = exported.jobs.map((entry) => entry.job.displayName).sort();
    expect(names).toEqual(expect.arrayContaining(["Echo job", "Echo job (copy)", "Sleeper"]));
    await page.getByLabel("Export file").setInputFiles(file);
    await page.getByRole("button", { name: "Validate", exact: true }).click();
    await page.locator("td", { hasText: "valid" }).first().waitFor();
    expect(await page.locator("td", { hasText: /^valid$/ }).count()).toBe(names.length);
    await page.getByText("Validate only").click();
    await page.getByRole("button", { name: "Import", exact: true }).click();
    // The jobs came from this installation: importing them again updates them (with no change) and creates none.
    await page.locator("td", { hasText: /^updated$/ }).nth(names.length - 1).waitFor();
    expect(await page.locator("td", { hasText: /^created$/ }).count()).toBe(0);
    await screenshot(page, "13-import-export");
  });

  it("edits a GLUE script with highlighting and rolls back to the previous version", { timeout: STEP_TIMEOUT }, async () => {
    await goto("/jobs");
    await page.getByRole("button", { name: "Add job" }).click();
    await page.locator('input[name="displayName"]').fill("Shell job");
    await page.locator('input[name="author"]').fill("e2e");
    await page.locator('select[name="scheduleType"]').selectOption({ label: "none" });
    await page.locator('select[name="glueType"]').selectOption({ label: "shell" });
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator('tr[data-job="Shell job"]').getByRole("button", { name: "GLUE" }).click();
    const editor = page.locator(".cm-content");
    await editor.getByText("jobwire shell job").waitFor();
    // CodeMirror's shell mode marks up the script (e.g. the echo builtin and the string).
    expect(await page.locator(".cm-content span").count()).toBeGreaterThan(0);
    await editor.click();
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.type('echo "version two"');
    await page.locator('input[name="glueRemark"]').fill("ab");
    await page.getByRole("button", { name: "Save version" }).click();
    // A remark of 2 characters is refused by the admin (4–100), shown under the remark; nothing is saved.
    await page.locator('[data-field="glue_remark"] .field-error').waitFor();
    expect((await adminApi.jobs.listJobs({ displayNameContains: "Shell job" })).jobs[0]?.glueSource).toContain("jobwire shell job");
    await page.locator('input[name="glueRemark"]').fill("second version");
    await page.getByRole("button", { name: "Save version" }).click();
    await page.locator('li[data-version="second version"]').waitFor();
    await screenshot(page, "09-glue-editor");
    const shellJob = (await adminApi.jobs.listJobs({ displayNameContains: "Shell job" })).jobs[0];
    expect(shellJob?.glueSource).toBe('echo "version two"');
    const versions = page.locator(".glue-versions li");
    expect(await versions.count()).toBeGreaterThanOrEqual(2);
    // Restore the version before "second version" (the list is newest first).
    await versions.nth(1).getByRole("button", { name: "Restore" }).click();
    await editor.getByText("jobwire shell job").waitFor();
    const restored = await adminApi.jobs.getJob({ name: shellJob?.name ?? "" });
    expect(restored.job?.glueSource).toContain("jobwire shell job");
    expect(restored.job?.glueSource).not.toContain("version two");
    await screenshot(page, "10-glue-restored");
  });

  it("shows the audit log, API keys and password pages", { timeout: STEP_TIMEOUT }, async () => {
    await goto("/audit");
    await page.locator('tr[data-action="jobwire.v1.JobService/CreateJob"]').first().waitFor();
    await screenshot(page, "11-audit");
    await goto("/api-keys");
    await page.locator('input[name="keyLabel"]').fill("ci key");
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByTestId("api-key-secret").waitFor();
    await screenshot(page, "12-api-keys");
    await goto("/password");
    await page.getByRole("heading", { name: "Change password" }).waitFor();
    await screenshot(page, "14-change-password");
  });

  it("lets a normal user see only their permitted group", { timeout: STEP_TIMEOUT }, async () => {
    const other = await adminApi.groups.createExecutorGroup({ executorGroup: { appName: "other-team", displayName: "Other team" } });
    await adminApi.jobs.createJob({ job: { executorGroup: other.executorGroup?.name ?? "", displayName: "Other team job", author: "other", handler: "x", schedule: { type: ScheduleType.NONE } } });
    await goto("/users");
    await page.getByRole("button", { name: "Add user" }).click();
    await page.locator('input[name="newUsername"]').fill("alice");
    await page.getByLabel("Console demo (console-demo)").check();
    await page.locator('input[name="newUserPassword"]').fill(ALICE_PASSWORD);
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator('tr[data-user="alice"]').waitFor();
    await screenshot(page, "15-users");
    // Administrators manage other users' API keys from the user's row.
    await page.locator('tr[data-user="alice"]').getByRole("link", { name: "API keys" }).click();
    await page.getByRole("heading", { name: /API keys of users\/\d+/ }).waitFor();
    await page.locator('input[name="keyLabel"]').fill("alice's robot");
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByTestId("api-key-secret").waitFor();
    await page.getByRole("cell", { name: "alice's robot" }).waitFor();
    await page.getByRole("button", { name: "Log out" }).click();
    await page.locator('input[name="username"]').waitFor();
    await login("alice", ALICE_PASSWORD);
    await goto("/jobs");
    await page.locator('tr[data-job="Echo job"]').waitFor();
    expect(await page.locator('tr[data-job="Other team job"]').count()).toBe(0);
    expect(await page.getByRole("link", { name: "Users" }).count()).toBe(0);
    await screenshot(page, "16-jobs-as-normal-user");
    await goto("/groups");
    await page.locator('tr[data-group="console-demo"]').waitFor();
    expect(await page.locator('tr[data-group="other-team"]').count()).toBe(0);
    expect(await page.getByRole("button", { name: "Add group" }).count()).toBe(0);
    await screenshot(page, "17-groups-as-normal-user");
  });
});
