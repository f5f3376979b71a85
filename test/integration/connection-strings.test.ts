import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ValidationError } from "../../src/core/errors.js";
import { openStore } from "../../src/store/connect.js";
import { tempDir } from "../helpers/temp-dir.js";

describe("connection strings", () => {
  it("refuses sqlite://name, which would name a file at the filesystem root, and says what to write", async () => {
    const refusal = openStore("sqlite://errand-unit-test.db");
    await expect(refusal).rejects.toBeInstanceOf(ValidationError);
    await expect(refusal).rejects.toThrow("sqlite:./errand-unit-test.db");
    expect(existsSync("/errand-unit-test.db")).toBe(false);
  });

  it("opens sqlite:///absolute/path at that absolute path", async () => {
    const dir = tempDir();
    const store = await openStore(`sqlite://${join(dir, "abs.db")}`);
    await store.close();
    expect(existsSync(join(dir, "abs.db"))).toBe(true);
  });
});
