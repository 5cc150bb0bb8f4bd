import { describe, expect, it } from "vitest";
import { Collections, formatName, parseChildName, parseName, parseOptionalName } from "../../../src/admin/rpc/resource-names.js";

describe("resource names", () => {
  describe("parseName()", () => {
    it("reads the id of a well-formed name", () => {
      expect(parseName("name", "jobs/12", Collections.job)).toBe(12);
      expect(parseName("name", formatName(Collections.executorGroup, 3), Collections.executorGroup)).toBe(3);
    });

    it("names the field when the name is missing", () => {
      expect(() => parseName("job.executor_group", "", Collections.executorGroup)).toThrow('job.executor_group: is required, e.g. "executorGroups/1"');
    });

    it.each(["jobs/0", "jobs/-1", "jobs/abc", "runs/12", "jobs/12/x", "12", "jobs/1234567890123456"])("refuses %j", (name) => {
      expect(() => parseName("name", name, Collections.job)).toThrow(/^name: ".*" is not a valid name, expected "jobs\/\{id\}"/);
    });
  });

  describe("parseOptionalName()", () => {
    it("returns undefined for an empty name", () => {
      expect(parseOptionalName("job", "", Collections.job)).toBeUndefined();
      expect(parseOptionalName("job", "jobs/5", Collections.job)).toBe(5);
    });
  });

  describe("parseChildName()", () => {
    it("reads both ids", () => {
      expect(parseChildName("name", "jobs/3/glueVersions/9", Collections.job, "glueVersions")).toEqual({ parentId: 3, childId: 9 });
      expect(() => parseChildName("name", "jobs/3/other/9", Collections.job, "glueVersions")).toThrow(/name: /);
    });
  });
});
