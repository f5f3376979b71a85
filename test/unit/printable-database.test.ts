import { describe, expect, it } from "vitest";
import { printableDatabase } from "../../src/store/connect.js";

describe("printableDatabase", () => {
  it("masks a postgres:// URL's password, in its user part or as ?password=, and leaves the rest", () => {
    expect(printableDatabase("postgres://root:hunter2@db:5432/app?schema=s")).toBe("postgres://root:***@db:5432/app?schema=s");
    expect(printableDatabase("postgresql://root@db/app?password=hunter2")).toBe("postgresql://root@db/app?password=***");
    expect(printableDatabase("postgres://localhost:5432/test")).toBe("postgres://localhost:5432/test");
    expect(printableDatabase("sqlite:./errand.db")).toBe("sqlite:./errand.db");
    expect(printableDatabase("postgres://[bad")).not.toContain("bad");
  });
});
