import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../src/admin/errors.js";
import { decodePageToken, encodePageToken, resolvePageSize } from "../../../src/admin/rpc/paging.js";

describe("paging", () => {
  describe("encodePageToken() / decodePageToken()", () => {
    it("round-trips the cursor for the same filters", () => {
      const token = encodePageToken(42, { group: 1 });
      expect(decodePageToken(token, { group: 1 })).toBe(42);
    });

    it("treats an empty token as the first page", () => {
      expect(decodePageToken("", { group: 1 })).toBeUndefined();
    });

    it("refuses a token issued for other filters, naming page_token", () => {
      const token = encodePageToken(42, { group: 1 });
      expect(() => decodePageToken(token, { group: 2 })).toThrow(/page_token: was issued for a request with other filters/);
    });

    it("refuses garbage", () => {
      expect(() => decodePageToken("not-a-token", {})).toThrow(InvalidArgumentError);
      expect(() => decodePageToken(Buffer.from('{"v":1,"c":"x"}').toString("base64url"), {})).toThrow(/page_token/);
    });

    it("does not expose the cursor as plain text", () => {
      expect(encodePageToken(123456, {})).not.toContain("123456");
    });
  });

  describe("resolvePageSize()", () => {
    it("uses the default for 0, caps large sizes and refuses negative ones", () => {
      expect(resolvePageSize(0, 50, 500)).toBe(50);
      expect(resolvePageSize(10, 50, 500)).toBe(10);
      expect(resolvePageSize(9_999, 50, 500)).toBe(500);
      expect(() => resolvePageSize(-1, 50, 500)).toThrow(/page_size: must not be negative/);
    });
  });
});
