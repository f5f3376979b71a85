// tsc does not copy non-TS files; the stores read their SQL from .sql files next to their code.
import { cpSync, readdirSync } from "node:fs";
import { join } from "node:path";

for (const entry of readdirSync("src", { recursive: true, withFileTypes: true })) {
  if (entry.isFile() && entry.name.endsWith(".sql")) {
    const from = join(entry.parentPath, entry.name);
    cpSync(from, join("dist", from.slice("src/".length)));
  }
}
