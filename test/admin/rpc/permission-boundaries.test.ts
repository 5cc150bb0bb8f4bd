/**
 * Permission boundaries of every console RPC that takes a resource, table-driven: a NORMAL user permitted only
 * group A must not read, change, move into or out of, link to, trigger, kill or tail anything of group B, nor
 * manage users, groups, tokens or the audit log. Each denial is paired, where the call has an A-side twin, with
 * a control that the same call on group A is not denied, so a case cannot pass merely because the RPC is broken.
 * An RPC answering UNIMPLEMENTED fails its case with a message saying so (its owner has not landed it yet).
 */
import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GlueType, ScheduleType } from "../../../src/gen/jobwire/v1/job_pb.js";
import { UserRole } from "../../../src/gen/jobwire/v1/user_pb.js";
import { testDialects } from "../../helpers/databases.js";
import { startTestAdmin, type Clients, type TestAdmin } from "./user-admin-fixture.js";

/** What a normal user gets for another group's resource (NOT_FOUND hides that it exists) or an admin-only call. */
const HIDDEN = [Code.NotFound, Code.PermissionDenied];
const ADMIN_ONLY = [Code.PermissionDenied];
/**
 * For a resource of B named inside a request field (a job's group, its children, an import's app name): the
 * refusal may also be INVALID_ARGUMENT naming that field as a resource that "does not exist" — the same answer
 * as for an id that really does not exist, so it reveals nothing either.
 */
const REFERENCED = [Code.NotFound, Code.PermissionDenied, Code.InvalidArgument];
const DENIALS = new Set([Code.NotFound, Code.PermissionDenied, Code.Unauthenticated, Code.Unimplemented]);

const mask = (...paths: string[]): ReturnType<typeof create<typeof FieldMaskSchema>> => create(FieldMaskSchema, { paths });

/** Names of the fixture, created by the administrator before the cases run. */
interface World {
  groupA: string;
  groupB: string;
  appB: string;
  jobA: string;
  jobA2: string;
  jobB: string;
  glueJobA: string;
  glueJobB: string;
  glueVersionA: string;
  glueVersionB: string;
  runA: string;
  runB: string;
  normal: string;
  otherUser: string;
}

interface Case {
  readonly rpc: string;
  readonly what: string;
  readonly denied: readonly Code[];
  readonly call: (u: Clients, w: World) => Promise<unknown>;
  /** With REFERENCED: the request field an INVALID_ARGUMENT must name. */
  readonly field?: string;
  /** The same call on group A: must not be refused for permissions. */
  readonly control?: (u: Clients, w: World) => Promise<unknown>;
  /** Checked (as the administrator) after the refused call: nothing of B changed. */
  readonly unchanged?: (root: Clients, w: World) => Promise<void>;
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const message of stream) void message;
}

async function outcome(call: Promise<unknown>): Promise<{ code: Code | "ok"; message: string }> {
  try {
    await call;
    return { code: "ok", message: "" };
  } catch (error) {
    const connectError = ConnectError.from(error);
    return { code: connectError.code, message: connectError.rawMessage };
  }
}

const jobOf = (w: World, group: "A" | "B", name = "x"): Parameters<Clients["jobs"]["createJob"]>[0] => ({
  job: { executorGroup: group === "A" ? w.groupA : w.groupB, displayName: `boundary ${name}`, author: "normal", handler: "h", schedule: { type: ScheduleType.NONE } },
});

const CASES: Case[] = [
  // JobService
  { rpc: "JobService/GetJob", what: "read B's job", denied: HIDDEN, call: (u, w) => u.jobs.getJob({ name: w.jobB }), control: (u, w) => u.jobs.getJob({ name: w.jobA }) },
  { rpc: "JobService/ListJobs", what: "list jobs filtered to group B", denied: HIDDEN, call: async (u, w) => assertNoneOf(w, (await u.jobs.listJobs({ executorGroup: w.groupB })).jobs.map((j) => j.name)), control: (u, w) => u.jobs.listJobs({ executorGroup: w.groupA }) },
  { rpc: "JobService/CreateJob", what: "create a job in group B", denied: REFERENCED, field: "job.executor_group", call: (u, w) => u.jobs.createJob(jobOf(w, "B", "created")), control: (u, w) => u.jobs.createJob(jobOf(w, "A", "control")), unchanged: async (root, w) => expect((await root.jobs.listJobs({ executorGroup: w.groupB, pageSize: 500 })).jobs.map((j) => j.displayName)).not.toContain("boundary created") },
  { rpc: "JobService/CreateJob", what: "create a job in A with a child job of B", denied: REFERENCED, field: "job.child_jobs", call: (u, w) => u.jobs.createJob({ job: { ...jobOf(w, "A", "with child").job, childJobs: [w.jobB] } }), control: (u, w) => u.jobs.createJob({ job: { ...jobOf(w, "A", "with child A").job, childJobs: [w.jobA2] } }) },
  { rpc: "JobService/UpdateJob", what: "change B's job", denied: HIDDEN, call: (u, w) => u.jobs.updateJob({ job: { name: w.jobB, displayName: "hijacked" }, updateMask: mask("display_name") }), control: (u, w) => u.jobs.updateJob({ job: { name: w.jobA, displayName: "renamed by normal" }, updateMask: mask("display_name") }), unchanged: async (root, w) => expect((await root.jobs.getJob({ name: w.jobB })).job?.displayName).not.toBe("hijacked") },
  { rpc: "JobService/UpdateJob", what: "move A's job into group B", denied: REFERENCED, field: "job.executor_group", call: (u, w) => u.jobs.updateJob({ job: { name: w.jobA2, executorGroup: w.groupB }, updateMask: mask("executor_group") }), unchanged: async (root, w) => expect((await root.jobs.getJob({ name: w.jobA2 })).job?.executorGroup).toBe(w.groupA) },
  { rpc: "JobService/UpdateJob", what: "move B's job out into group A", denied: HIDDEN, call: (u, w) => u.jobs.updateJob({ job: { name: w.jobB, executorGroup: w.groupA }, updateMask: mask("executor_group") }), unchanged: async (root, w) => expect((await root.jobs.getJob({ name: w.jobB })).job?.executorGroup).toBe(w.groupB) },
  { rpc: "JobService/UpdateJob", what: "add a child job of B to A's job", denied: REFERENCED, field: "job.child_jobs", call: (u, w) => u.jobs.updateJob({ job: { name: w.jobA2, childJobs: [w.jobB] }, updateMask: mask("child_jobs") }), control: (u, w) => u.jobs.updateJob({ job: { name: w.jobA2, childJobs: [w.jobA] }, updateMask: mask("child_jobs") }), unchanged: async (root, w) => expect((await root.jobs.getJob({ name: w.jobA2 })).job?.childJobs).not.toContain(w.jobB) },
  { rpc: "JobService/DeleteJob", what: "delete B's job", denied: HIDDEN, call: (u, w) => u.jobs.deleteJob({ name: w.jobB }), unchanged: async (root, w) => void (await root.jobs.getJob({ name: w.jobB })) },
  { rpc: "JobService/StartJob", what: "start B's job", denied: HIDDEN, call: (u, w) => u.jobs.startJob({ name: w.jobB }), control: (u, w) => u.jobs.startJob({ name: w.jobA }) },
  { rpc: "JobService/StopJob", what: "stop B's job", denied: HIDDEN, call: (u, w) => u.jobs.stopJob({ name: w.jobB }), control: (u, w) => u.jobs.stopJob({ name: w.jobA }) },
  { rpc: "JobService/TriggerJob", what: "trigger B's job", denied: HIDDEN, call: (u, w) => u.jobs.triggerJob({ name: w.jobB }), control: (u, w) => u.jobs.triggerJob({ name: w.jobA }) },
  { rpc: "JobService/CopyJob", what: "copy B's job", denied: HIDDEN, call: (u, w) => u.jobs.copyJob({ name: w.jobB }), control: (u, w) => u.jobs.copyJob({ name: w.jobA }) },
  { rpc: "JobService/ListNextFireTimes", what: "preview B's job's fire times", denied: HIDDEN, call: (u, w) => u.jobs.listNextFireTimes({ name: w.jobB }), control: (u, w) => u.jobs.listNextFireTimes({ name: w.jobA }) },
  { rpc: "JobService/UpdateGlueSource", what: "change B's GLUE source", denied: HIDDEN, call: (u, w) => u.jobs.updateGlueSource({ name: w.glueJobB, glueSource: "echo owned", glueRemark: "hijack" }), control: (u, w) => u.jobs.updateGlueSource({ name: w.glueJobA, glueSource: "echo ok", glueRemark: "normal edit" }), unchanged: async (root, w) => expect((await root.jobs.getJob({ name: w.glueJobB })).job?.glueSource).not.toBe("echo owned") },
  { rpc: "JobService/ListGlueVersions", what: "read B's GLUE history", denied: HIDDEN, call: (u, w) => u.jobs.listGlueVersions({ parent: w.glueJobB }), control: (u, w) => u.jobs.listGlueVersions({ parent: w.glueJobA }) },
  { rpc: "JobService/RestoreGlueVersion", what: "restore a GLUE version of B", denied: HIDDEN, call: (u, w) => u.jobs.restoreGlueVersion({ name: w.glueVersionB, glueRemark: "restore" }), control: (u, w) => u.jobs.restoreGlueVersion({ name: w.glueVersionA, glueRemark: "restore" }) },
  { rpc: "JobService/ExportJobs", what: "export B's job by name", denied: HIDDEN, call: (u, w) => u.jobs.exportJobs({ names: [w.jobB] }), control: (u, w) => u.jobs.exportJobs({ names: [w.jobA] }) },
  { rpc: "JobService/ExportJobs", what: "export group B", denied: HIDDEN, call: async (u, w) => assertNoneOf(w, (await u.jobs.exportJobs({ executorGroup: w.groupB })).jobs.map((j) => j.job?.name ?? "")), control: (u, w) => u.jobs.exportJobs({ executorGroup: w.groupA }) },
  {
    rpc: "JobService/ImportJobs",
    what: "import a job into group B",
    denied: REFERENCED,
    field: "jobs[0].app_name",
    call: (u, w) => u.jobs.importJobs({ jobs: [{ key: "boundary-import", appName: w.appB, job: { ...jobOf(w, "B", "imported").job, executorGroup: "" } }] }),
    unchanged: async (root, w) => expect((await root.jobs.listJobs({ executorGroup: w.groupB, pageSize: 500 })).jobs.map((j) => j.displayName)).not.toContain("boundary imported"),
  },
  {
    rpc: "JobService/ImportJobs",
    what: "create a missing group while importing",
    denied: ADMIN_ONLY.concat(Code.NotFound),
    call: (u, w) => u.jobs.importJobs({ createMissingGroups: true, jobs: [{ key: "boundary-new-group", appName: "boundary-new-app", job: { ...jobOf(w, "B", "new group").job, executorGroup: "" } }] }),
    unchanged: async (root) => expect((await root.groups.listExecutorGroups({ appNameContains: "boundary-new-app" })).executorGroups).toEqual([]),
  },
  // RunService
  { rpc: "RunService/GetRun", what: "read B's run", denied: HIDDEN, call: (u, w) => u.runs.getRun({ name: w.runB }), control: (u, w) => u.runs.getRun({ name: w.runA }) },
  { rpc: "RunService/ListRuns", what: "list runs of group B", denied: HIDDEN, call: async (u, w) => assertNoneOf(w, (await u.runs.listRuns({ executorGroup: w.groupB })).runs.map((r) => r.name)), control: (u, w) => u.runs.listRuns({ executorGroup: w.groupA }) },
  { rpc: "RunService/ListRuns", what: "list runs of B's job", denied: HIDDEN, call: async (u, w) => assertNoneOf(w, (await u.runs.listRuns({ job: w.jobB })).runs.map((r) => r.name)), control: (u, w) => u.runs.listRuns({ job: w.jobA }) },
  { rpc: "RunService/KillRun", what: "kill B's run", denied: HIDDEN, call: (u, w) => u.runs.killRun({ name: w.runB }), control: (u, w) => u.runs.killRun({ name: w.runA }) },
  { rpc: "RunService/TailRunLog", what: "read B's run log", denied: HIDDEN, call: (u, w) => drain(u.runs.tailRunLog({ name: w.runB })), control: (u, w) => drain(u.runs.tailRunLog({ name: w.runA })) },
  { rpc: "RunService/ClearRuns", what: "clear B's runs by group", denied: HIDDEN, call: (u, w) => u.runs.clearRuns({ executorGroup: w.groupB, policy: { case: "all", value: true } }), unchanged: async (root, w) => void (await root.runs.getRun({ name: w.runB })) },
  { rpc: "RunService/ClearRuns", what: "clear B's runs by job", denied: HIDDEN, call: (u, w) => u.runs.clearRuns({ job: w.jobB, policy: { case: "all", value: true } }), unchanged: async (root, w) => void (await root.runs.getRun({ name: w.runB })) },
  // ExecutorGroupService
  { rpc: "ExecutorGroupService/GetExecutorGroup", what: "read group B", denied: HIDDEN, call: (u, w) => u.groups.getExecutorGroup({ name: w.groupB }), control: (u, w) => u.groups.getExecutorGroup({ name: w.groupA }) },
  { rpc: "ExecutorGroupService/ListExecutors", what: "list B's executors", denied: HIDDEN, call: (u, w) => u.groups.listExecutors({ parent: w.groupB }), control: (u, w) => u.groups.listExecutors({ parent: w.groupA }) },
  { rpc: "ExecutorGroupService/RevealExecutorGroupToken", what: "read B's token", denied: HIDDEN, call: (u, w) => u.groups.revealExecutorGroupToken({ name: w.groupB }) },
  { rpc: "ExecutorGroupService/RevealExecutorGroupToken", what: "read the token of its own group A", denied: HIDDEN, call: (u, w) => u.groups.revealExecutorGroupToken({ name: w.groupA }) },
  { rpc: "ExecutorGroupService/RotateExecutorGroupToken", what: "rotate B's token", denied: HIDDEN, call: (u, w) => u.groups.rotateExecutorGroupToken({ name: w.groupB }) },
  { rpc: "ExecutorGroupService/RotateExecutorGroupToken", what: "rotate the token of its own group A", denied: HIDDEN, call: (u, w) => u.groups.rotateExecutorGroupToken({ name: w.groupA }) },
  { rpc: "ExecutorGroupService/CreateExecutorGroup", what: "create a group", denied: ADMIN_ONLY, call: (u) => u.groups.createExecutorGroup({ executorGroup: { appName: "boundary-made", displayName: "x" } }) },
  { rpc: "ExecutorGroupService/UpdateExecutorGroup", what: "change group B", denied: HIDDEN, call: (u, w) => u.groups.updateExecutorGroup({ executorGroup: { name: w.groupB, displayName: "hijacked" }, updateMask: mask("display_name") }) },
  { rpc: "ExecutorGroupService/UpdateExecutorGroup", what: "change its own group A", denied: HIDDEN, call: (u, w) => u.groups.updateExecutorGroup({ executorGroup: { name: w.groupA, displayName: "hijacked" }, updateMask: mask("display_name") }) },
  { rpc: "ExecutorGroupService/DeleteExecutorGroup", what: "delete group B", denied: HIDDEN, call: (u, w) => u.groups.deleteExecutorGroup({ name: w.groupB }), unchanged: async (root, w) => void (await root.groups.getExecutorGroup({ name: w.groupB })) },
  // UserService and AuditService
  { rpc: "UserService/ListUsers", what: "list users", denied: ADMIN_ONLY, call: (u) => u.users.listUsers({}) },
  { rpc: "UserService/GetUser", what: "read another user", denied: ADMIN_ONLY, call: (u, w) => u.users.getUser({ name: w.otherUser }) },
  { rpc: "UserService/GetUser", what: "read itself through the admin API", denied: ADMIN_ONLY, call: (u, w) => u.users.getUser({ name: w.normal }) },
  { rpc: "UserService/CreateUser", what: "create a user", denied: ADMIN_ONLY, call: (u) => u.users.createUser({ user: { username: "boundary-made", role: UserRole.ADMIN }, password: "Some-password-1" }) },
  { rpc: "UserService/UpdateUser", what: "make itself an administrator", denied: ADMIN_ONLY, call: (u, w) => u.users.updateUser({ user: { name: w.normal, role: UserRole.ADMIN }, updateMask: mask("role") }) },
  { rpc: "UserService/UpdateUser", what: "grant itself group B", denied: ADMIN_ONLY, call: (u, w) => u.users.updateUser({ user: { name: w.normal, permittedExecutorGroups: [w.groupA, w.groupB] }, updateMask: mask("permitted_executor_groups") }) },
  { rpc: "UserService/DeleteUser", what: "delete another user", denied: ADMIN_ONLY, call: (u, w) => u.users.deleteUser({ name: w.otherUser }) },
  { rpc: "UserService/CreateApiKey", what: "create an API key for another user", denied: ADMIN_ONLY, call: (u, w) => u.users.createApiKey({ parent: w.otherUser, apiKey: { displayName: "x", expireTime: { seconds: BigInt(Math.floor(Date.UTC(2026, 0, 2) / 1000)) } } }), control: (u) => u.users.createApiKey({ parent: "users/-", apiKey: { displayName: "mine", expireTime: { seconds: BigInt(Math.floor(Date.UTC(2026, 0, 2) / 1000)) } } }) },
  { rpc: "UserService/ListApiKeys", what: "list another user's API keys", denied: ADMIN_ONLY, call: (u, w) => u.users.listApiKeys({ parent: w.otherUser }), control: (u) => u.users.listApiKeys({ parent: "users/-" }) },
  { rpc: "UserService/DeleteApiKey", what: "delete another user's API key", denied: ADMIN_ONLY, call: (u, w) => u.users.deleteApiKey({ name: `${w.otherUser}/apiKeys/1` }) },
  { rpc: "AuditService/ListAuditEntries", what: "read the audit log", denied: ADMIN_ONLY, call: (u) => u.audit.listAuditEntries({}) },
];

/** Lists that answer instead of refusing must not contain anything of group B. */
function assertNoneOf(w: World, names: readonly string[]): void {
  const ofB = names.filter((name) => [w.jobB, w.glueJobB, w.runB].includes(name));
  expect(ofB).toEqual([]);
}

for (const dialect of testDialects()) {
  describe(`permission boundaries of a normal user with group A (${dialect})`, () => {
    let t: TestAdmin;
    let normal: Clients;
    const w = {} as World;

    beforeAll(async () => {
      t = await startTestAdmin(dialect);
      const root = t.root;
      const a = await root.groups.createExecutorGroup({ executorGroup: { appName: "boundary-a", displayName: "A" } });
      const b = await root.groups.createExecutorGroup({ executorGroup: { appName: "boundary-b", displayName: "B" } });
      w.groupA = a.executorGroup?.name ?? "";
      w.groupB = b.executorGroup?.name ?? "";
      w.appB = "boundary-b";
      const job = async (group: string, displayName: string, glue = false): Promise<string> => {
        const { job: created } = await root.jobs.createJob({
          job: glue
            ? { executorGroup: group, displayName, author: "root", glueType: GlueType.SHELL, glueSource: "echo v1", glueRemark: "first", schedule: { type: ScheduleType.NONE } }
            : { executorGroup: group, displayName, author: "root", handler: "h", schedule: { type: ScheduleType.NONE } },
        });
        return created?.name ?? "";
      };
      w.jobA = await job(w.groupA, "A job");
      w.jobA2 = await job(w.groupA, "A job 2");
      w.jobB = await job(w.groupB, "B job");
      w.glueJobA = await job(w.groupA, "A glue", true);
      w.glueJobB = await job(w.groupB, "B glue", true);
      for (const glueJob of [w.glueJobA, w.glueJobB]) await root.jobs.updateGlueSource({ name: glueJob, glueSource: "echo v2", glueRemark: "second" });
      w.glueVersionA = (await root.jobs.listGlueVersions({ parent: w.glueJobA })).glueVersions.at(-1)?.name ?? "";
      w.glueVersionB = (await root.jobs.listGlueVersions({ parent: w.glueJobB })).glueVersions.at(-1)?.name ?? "";
      // No executor is online: each trigger leaves a FAILED run, which is enough to test access to runs.
      w.runA = (await root.jobs.triggerJob({ name: w.jobA })).runs[0] ?? "";
      w.runB = (await root.jobs.triggerJob({ name: w.jobB })).runs[0] ?? "";
      const user = await t.createUserAndLogin("boundary-normal", { groups: [w.groupA] });
      normal = user;
      w.normal = user.name;
      w.otherUser = (await t.createUserAndLogin("boundary-other")).name;
    });
    afterAll(async () => {
      await t?.close();
    });

    it("has a complete fixture", () => {
      expect(Object.values(w).every((v) => typeof v === "string" && v !== "")).toBe(true);
    });

    it.each(CASES.map((c) => [`${c.rpc}: cannot ${c.what}`, c] as const))("%s", async (_title, c) => {
      const { code, message } = await outcome(c.call(normal, w));
      if (code === Code.Unimplemented) throw new Error(`${c.rpc} answered UNIMPLEMENTED: its owner has not landed it yet`);
      if (code === "ok") {
        // A list call may answer with a page instead of refusing; its callback already checked that B is absent.
        if (!c.rpc.includes("/List") && !c.rpc.includes("/Export")) expect.fail(`${c.rpc} let a normal user of group A ${c.what}`);
      } else {
        expect(c.denied, `${Code[code]}: ${message}`).toContain(code);
        if (code === Code.InvalidArgument) expect(message.startsWith(c.field ?? "?") && message.includes("does not exist"), message).toBe(true);
      }
      await c.unchanged?.(t.root, w);
      if (c.control !== undefined) {
        const control = await outcome(c.control(normal, w));
        expect(DENIALS.has(control.code as Code), `control on group A answered ${String(control.code)}: ${control.message}`).toBe(false);
      }
    });

    it("sees nothing of group B in unfiltered lists, exports and the dashboard", async () => {
      assertNoneOf(w, (await normal.jobs.listJobs({ pageSize: 500 })).jobs.map((j) => j.name));
      assertNoneOf(w, (await normal.runs.listRuns({ pageSize: 500 })).runs.map((r) => r.name));
      expect((await normal.groups.listExecutorGroups({})).executorGroups.map((g) => g.name)).toEqual([w.groupA]);
      assertNoneOf(w, (await normal.jobs.exportJobs({})).jobs.map((j) => j.job?.name ?? ""));
      const aJobs = (await t.root.jobs.listJobs({ executorGroup: w.groupA, pageSize: 500 })).jobs.length;
      expect(Number((await normal.dashboard.getDashboard({})).jobCount)).toBe(aJobs);
    });
  });
}
