import { create, fromBinary, isFieldSet, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { BLOCK_STRATEGIES, GLUE_TYPES } from "../../../src/admin/domain/index.js";
import { encodedRunBatchRequest, toRunRequest, type RunCall } from "../../../src/admin/trigger/run-request-codec.js";
import { RunBatchRequestSchema, RunRequestSchema } from "../../../src/gen/jobwire/v1/executor_service_pb.js";
import { runCall } from "./run-call-fixture.js";

/** Every field set to something other than its default. */
const full: RunCall = {
  jobId: 2 ** 40 + 7,
  runId: 9_007_199_254_740_991,
  handler: "demo.handler",
  param: "p=1 ✓ 日本",
  blockStrategy: "CONCURRENT",
  concurrency: 3,
  timeoutMs: 90_500,
  glueType: "SHELL",
  glueUpdateTime: 1_764_170_000_123,
  glueSource: "#!/bin/sh\necho hi\n",
  shardIndex: 2,
  shardTotal: 5,
  scheduledTime: 1_764_170_001_000,
  triggerTime: 1_764_170_001_004,
  attempt: 1,
};

/** A plain BEAN run: many fields at their defaults, which proto3 leaves out. */
const sparse = runCall({ runId: 2, handler: "h", concurrency: 0, scheduledTime: 1_764_170_002_000, triggerTime: 1_764_170_002_000 });

describe("encodedRunBatchRequest", () => {
  it.each([
    ["every field set, held for an instant", [{ call: full, startAt: 1_764_170_001_000 }]],
    ["defaults left out, started on arrival", [{ call: sparse, startAt: undefined }]],
    [
      "several runs, whole-second and odd instants",
      [
        { call: full, startAt: undefined },
        { call: { ...sparse, runId: 3, scheduledTime: 1_764_170_003_999, triggerTime: 1_000 }, startAt: 1_764_170_003_999 },
        { call: { ...sparse, runId: 4, timeoutMs: 1 }, startAt: 1_764_170_004_000 },
      ],
    ],
  ])("encodes to the same bytes as the reflective encoding of the same runs: %s", (_name, runs) => {
    const reflective = create(RunBatchRequestSchema, { runs: runs.map(({ call, startAt }) => toRunRequest(call, startAt)) });
    const bytes = toBinary(RunBatchRequestSchema, encodedRunBatchRequest(runs));
    expect(Buffer.from(bytes).toString("hex")).toBe(Buffer.from(toBinary(RunBatchRequestSchema, reflective)).toString("hex"));
    expect(fromBinary(RunBatchRequestSchema, bytes)).toEqual(reflective);
  });

  it("writes every field RunRequest has (a field added to the contract must be added to the encoder)", () => {
    const decoded = fromBinary(RunBatchRequestSchema, toBinary(RunBatchRequestSchema, encodedRunBatchRequest([{ call: full, startAt: 1_764_170_001_000 }])));
    const run = decoded.runs[0];
    expect(run).toBeDefined();
    const unset = RunRequestSchema.fields.filter((field) => run === undefined || !isFieldSet(run, field)).map((field) => field.name);
    expect(unset).toEqual([]);
    expect(decoded.$unknown ?? []).toEqual([]);
  });

  it("encodes every block strategy and glue type as its proto enum value", () => {
    for (const blockStrategy of BLOCK_STRATEGIES) {
      for (const glueType of GLUE_TYPES) {
        const call = { ...full, blockStrategy, glueType };
        const bytes = toBinary(RunBatchRequestSchema, encodedRunBatchRequest([{ call, startAt: undefined }]));
        expect(fromBinary(RunBatchRequestSchema, bytes).runs[0]).toEqual(toRunRequest(call));
      }
    }
  });
});
