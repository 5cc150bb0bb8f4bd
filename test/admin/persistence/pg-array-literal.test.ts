import { describe, expect, it } from "vitest";
import { pgArrayLiteral } from "../../../src/admin/persistence/dialect.js";

describe("pgArrayLiteral", () => {
  it("writes numbers bare, NULL for null and undefined, and quotes every string", () => {
    expect(pgArrayLiteral([1, -2, 3.5, null, undefined])).toBe("{1,-2,3.5,NULL,NULL}");
    expect(pgArrayLiteral(["", " ", "NULL", "a,b", "{x}"])).toBe('{""," ","NULL","a,b","{x}"}');
    expect(pgArrayLiteral([])).toBe("{}");
  });

  it("escapes only backslashes and double quotes inside the quotes", () => {
    expect(pgArrayLiteral(['say "hi"', "back\\slash", "it's"])).toBe('{"say \\"hi\\"","back\\\\slash","it\'s"}');
  });

  it("refuses values PostgreSQL could not read back as written", () => {
    expect(() => pgArrayLiteral([Number.NaN])).toThrow(/cannot write NaN/);
    expect(() => pgArrayLiteral([Number.POSITIVE_INFINITY])).toThrow(/cannot write Infinity/);
    expect(() => pgArrayLiteral([{}])).toThrow(/cannot write a value of type object into a PostgreSQL array/);
  });
});
