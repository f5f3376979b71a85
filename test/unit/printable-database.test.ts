import { describe, expect, it } from "vitest";
import { printableDatabase } from "../../src/store/printable-database.js";

describe("printableDatabase", () => {
  it("masks a postgres:// URL's password, in its user part or as ?password=, and leaves the rest", () => {
    expect(printableDatabase("postgres://root:hunter2@db:5432/app?schema=s")).toBe("postgres://root:***@db:5432/app?schema=s");
    expect(printableDatabase("postgresql://root@db/app?password=hunter2")).toBe("postgresql://root@db/app?password=***");
    expect(printableDatabase("postgres://localhost:5432/test")).toBe("postgres://localhost:5432/test");
    expect(printableDatabase("sqlite:./errand.db")).toBe("sqlite:./errand.db");
  });

  it("masks a password in any string with a user part, parsed or not, whatever its scheme", () => {
    expect(printableDatabase("postgres://app:s3cret@[bad")).toBe("postgres://app:***@[bad");
    expect(printableDatabase("postgresql+asyncpg://app:s3cret@db/app")).toBe("postgresql+asyncpg://app:***@db/app");
    // An unescaped "/" or "@" in the password: the last "@" before the query ends the user part.
    expect(printableDatabase("postgres://app:pa/ss@w@db/app?schema=a&Password=x&sslmode=require")).toBe(
      "postgres://app:***@db/app?schema=a&Password=***&sslmode=require",
    );
    expect(printableDatabase("postgres://app@db/app")).toBe("postgres://app@db/app");
    // A "#" or "?" in the password, which is why such a URL does not parse.
    expect(printableDatabase("postgres://app:s3cr#t@db/app")).toBe("postgres://app:***@db/app");
    expect(printableDatabase("postgres://app:s3?cr@t@db/app?password=x")).toBe("postgres://app:***@db/app?password=***");
    expect(printableDatabase("postgres://db:5432/app?sslmode=require")).toBe("postgres://db:5432/app?sslmode=require");
  });
});
