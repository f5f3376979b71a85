import { randomBytes } from "node:crypto";
import { Command } from "commander";
import { SCOPES, checkToken, parseScopes, sha256Hex } from "../../server/auth.js";
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
        // Refused now rather than at server start; the entry spells them as the token list reads them.
        const scopes = parsedOption("--scopes", () => parseScopes(opts.scopes));
        const value = `errand_${randomBytes(24).toString("base64url")}`;
        const entry = `${sha256Hex(value)}=${scopes.join(",")}`;
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
      try {
        process.stdout.write(sha256Hex(parsedOption("<token>", () => checkToken(value))) + "\n");
      } catch (error) {
        process.exitCode = reportError(error);
      }
    });
  return token;
}
