import { describe, expect, it } from "vitest";
import { statementText } from "../../../src/admin/persistence/statement-texts.js";

describe("statementText()", () => {
  it("builds the text of a shape once and hands out that same text again", () => {
    let builds = 0;
    const build = (): string => {
      builds++;
      return `insert into t values ${new Array<string>(3).fill("(?, ?)").join(", ")}`;
    };
    const first = statementText("t|3|test-shape", build);
    const second = statementText("t|3|test-shape", build);
    expect(first).toBe("insert into t values (?, ?), (?, ?), (?, ?)");
    expect(second).toBe(first);
    expect(builds).toBe(1);
    expect(statementText("t|4|test-shape", () => "another shape")).toBe("another shape");
  });
});
