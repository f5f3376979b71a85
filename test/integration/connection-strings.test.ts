import { describe, expect, it } from "vitest";
import { existsSync, readdirSync } from "node:fs";
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
    // A path already relative gets no second "./".
    await expect(openStore("sqlite://./errand-unit-test.db")).rejects.toThrow('write sqlite:./errand-unit-test.db for');
    await expect(openStore("sqlite://../errand-unit-test.db")).rejects.toThrow('write sqlite:../errand-unit-test.db for');
  });

  it("refuses parameters after a sqlite: path, which would become part of the file's name, creating nothing", async () => {
    const dir = tempDir();
    for (const suffix of ["?mode=ro", "?cache=shared&mode=rwc"]) {
      await expect(openStore(`sqlite:${join(dir, "q.db")}${suffix}`)).rejects.toMatchObject({ field: "database", message: expect.stringContaining("takes no ?name=value parameters") });
    }
    expect(readdirSync(dir)).toEqual([]);
    // A "#" is part of a file's name, as it always was.
    const store = await openStore(`sqlite:${join(dir, "queue#2.db")}`);
    await store.close();
    expect(existsSync(join(dir, "queue#2.db"))).toBe(true);
  });

  it("never puts a password in an error message about the connection string", async () => {
    for (const url of [
      "postgres://app:s3cretpw@db/app?schema=a&schema=b",
      "postgres://app:s3cretpw@db:99999/app",
      "postgresql+asyncpg://app:s3cretpw@db/app",
      "mysql://app:s3cretpw@db/app?password=s3cretpw",
    ]) {
      const refusal = await openStore(url).then(() => null, (error: unknown) => error);
      expect(refusal, url).toBeInstanceOf(ValidationError);
      expect((refusal as Error).message, url).not.toContain("s3cretpw");
      expect((refusal as Error).message, url).toContain("***");
    }
  });

  it("opens sqlite:///absolute/path at that absolute path", async () => {
    const dir = tempDir();
    const store = await openStore(`sqlite://${join(dir, "abs.db")}`);
    await store.close();
    expect(existsSync(join(dir, "abs.db"))).toBe(true);
  });
});
