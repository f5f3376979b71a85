import { randomBytes } from "node:crypto";
import { Command } from "commander";
import { SCOPES, parseTokenList, sha256Hex } from "../../server/auth.js";
import { parsedOption, reportError } from "../run-command.js";

export function tokenCommand(): Command {
  const token = new Command("token").description("make API tokens for `errand serve` (only their hashes go in its config)");
  token
    .command("create")
    .description("generate a random token and print the ERRAND_API_TOKENS entry for it")
    .option("-s, --scopes <scopes>", `comma-separated: ${SCOPES.join(", ")}`, "jobs:write,jobs:read")
    .option("--json", "print JSON")
    .action((opts) => {
      try {
        const value = `errand_${randomBytes(24).toString("base64url")}`;
        const entry = `${sha256Hex(value)}=${opts.scopes}`;
        parsedOption("--scopes", () => parseTokenList(entry)); // refuse unknown scopes now rather than at server start
        if (opts.json) process.stdout.write(JSON.stringify({ token: value, entry }) + "\n");
        else process.stdout.write(`token (give to the client; shown once): ${value}\nERRAND_API_TOKENS entry:              ${entry}\n`);
      } catch (error) {
        process.exitCode = reportError(error);
      }
    });
  token
    .command("hash")
    .description("print the SHA-256 hex of an existing token")
    .argument("<token>")
    .action((value: string) => {
      process.stdout.write(sha256Hex(value) + "\n");
    });
  return token;
}
