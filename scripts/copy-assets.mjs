// tsc copies no non-TS files: the stores read their SQL from .sql files next to their code, and
// the server serves the dashboard's HTML and CSS next to its compiled scripts.
import { cpSync, readdirSync } from "node:fs";
import { join } from "node:path";

const copies = [
  { from: "src", to: "dist", extensions: [".sql"] },
  { from: "dashboard", to: "dist/dashboard", extensions: [".html", ".css", ".svg"] },
];

for (const { from, to, extensions } of copies) {
  for (const entry of readdirSync(from, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext))) {
      const path = join(entry.parentPath, entry.name);
      cpSync(path, join(to, path.slice(from.length + 1)));
    }
  }
}
