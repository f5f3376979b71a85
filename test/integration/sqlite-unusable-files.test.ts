import Database from "better-sqlite3";
import { execFile } from "node:child_process";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { StoreUnavailableError, ValidationError } from "../../src/core/errors.js";
import { Errand } from "../../src/errand.js";
import { unwritableAsUnavailable } from "../../src/store/sqlite/write-errors.js";
import { tempDir } from "../helpers/temp-dir.js";

const run = promisify(execFile);
const CONNECT_AS_NOBODY = new URL("../fixtures/connect-as-nobody.mjs", import.meta.url).pathname;

/** Files SQLite cannot serve as Errand's store: each refused as an ErrandError naming the file, and left as it was. */
describe("SQLite files Errand cannot use", () => {
  it("a file that is not a database: a ValidationError on database, the file untouched", async () => {
    const path = join(tempDir(), "notes.txt");
    writeFileSync(path, "my notes, not a database\n".repeat(100));
    const refusal = await Errand.connect(`sqlite:${path}`).then(() => null, (error: unknown) => error);
    expect(refusal).toBeInstanceOf(ValidationError);
    expect(refusal).toMatchObject({ field: "database", message: `database: "${path}" is not a SQLite database` });
    expect(readFileSync(path, "utf8")).toBe("my notes, not a database\n".repeat(100));
  });

  it("a directory: a ValidationError on database", async () => {
    const dir = tempDir();
    await expect(Errand.connect(`sqlite:${dir}`)).rejects.toMatchObject({ field: "database", message: expect.stringContaining(`cannot open the SQLite database file "${dir}"`) });
  });

  it("a file this process may only read: refused before use, and a write meeting it is store_unavailable, nothing written", async () => {
    const path = join(tempDir(), "errand.db");
    await (await Errand.connect(`sqlite:${path}`)).close();
    chmodSync(dirname(path), 0o777); // the folder writable, as SQLite's -wal and -shm files need
    chmodSync(path, 0o444);
    const { stdout } = await run(process.execPath, [CONNECT_AS_NOBODY, path]);
    expect(JSON.parse(stdout)).toEqual({
      name: "StoreUnavailableError",
      code: "store_unavailable",
      outcome: "not_written",
      message: `SQLite database ${path} is read-only to this process (the file, or the folder holding its -wal and -shm files, is not writable); nothing was written`,
    });
    // Read without migrating (the CLI's read commands, --no-migrate) from a folder it may not
    // write, where SQLite cannot make the -shm file it reads through: the same refusal.
    chmodSync(dirname(path), 0o755);
    for (const beside of ["-wal", "-shm"]) rmSync(path + beside, { force: true }); // the refused connect above made them, as nobody
    const noMigrate = await run(process.execPath, [CONNECT_AS_NOBODY, path, "--no-migrate"]);
    expect(JSON.parse(noMigrate.stdout)).toMatchObject({ name: "StoreUnavailableError", code: "store_unavailable", message: expect.stringContaining(`SQLite database ${path} is read-only to this process`) });
    // What SQLite does with such a file: opens it read-only, and a write meets SQLITE_READONLY.
    const readOnly = new Database(path, { readonly: true });
    try {
      const write = (() => {
        try {
          readOnly.prepare("DELETE FROM errand_jobs").run();
          return null;
        } catch (error) {
          return unwritableAsUnavailable(error, path);
        }
      })();
      expect(write).toBeInstanceOf(StoreUnavailableError);
    } finally {
      readOnly.close();
    }
  });
});
