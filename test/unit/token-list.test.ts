import { describe, expect, it } from "vitest";
import { parseTokenList, sha256Hex } from "../../src/server/auth.js";

const a = sha256Hex("token-a");
const b = sha256Hex("token-b");

describe("parseTokenList (ERRAND_API_TOKENS, --tokens)", () => {
  it("takes entries separated by ; or whitespace, with spaces around a list's commas and its =", () => {
    expect(parseTokenList(`${a}=jobs:read, jobs:write;${b}=admin`)).toEqual([
      { sha256: a, scopes: ["jobs:read", "jobs:write"] },
      { sha256: b, scopes: ["admin"] },
    ]);
    expect(parseTokenList(` ${a}=jobs:read ,jobs:write\n${b.toUpperCase()}=admin `)).toEqual([
      { sha256: a, scopes: ["jobs:read", "jobs:write"] },
      { sha256: b, scopes: ["admin"] },
    ]);
    expect(parseTokenList(`${a} = jobs:read; ${b}= admin`)).toEqual([
      { sha256: a, scopes: ["jobs:read"] },
      { sha256: b, scopes: ["admin"] },
    ]);
    expect(() => parseTokenList(`${a} jobs:read`)).toThrow("must be <sha256-hex>=<scope>");
  });

  it("refuses a hash listed twice, whichever scopes each entry gives", () => {
    expect(() => parseTokenList(`${a}=jobs:read;${a}=admin`)).toThrow(`token ${a.slice(0, 16)}… is listed twice`);
    expect(() => parseTokenList(`${a}=jobs:read ${a.toUpperCase()}=jobs:read`)).toThrow("is listed twice");
  });
});
