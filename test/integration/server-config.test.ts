import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import { Errand } from "../../src/errand.js";
import { ErrandServer } from "../../src/server/server.js";
import { tempDir } from "../helpers/temp-dir.js";

/** ServerConfig as a library caller passes it: limits out of range are refused when the server is made, naming the option. */
describe("ErrandServer refuses limits out of range", () => {
  const dir = tempDir();
  let errand: Errand;
  beforeAll(async () => {
    errand = await Errand.connect(`sqlite:${join(dir, "config.db")}`);
  });
  afterAll(() => errand.close());
  const serverWith = (limits: { bodyLimit?: number; maxEventStreams?: number }) =>
    () => new ErrandServer(errand, { logger: pino({ level: "silent" }), tokens: [], ...limits });

  it("bodyLimit: an integer from 1 byte to 64 MiB", () => {
    const rule = "bodyLimit: must be an integer from 1 to 67108864 bytes (64 MiB)";
    for (const bodyLimit of [0, -1, 1.5, 64 * 1024 * 1024 + 1, Number.MAX_SAFE_INTEGER, Number.NaN]) {
      expect(serverWith({ bodyLimit }), String(bodyLimit)).toThrow(ValidationError);
      expect(serverWith({ bodyLimit }), String(bodyLimit)).toThrow(rule);
    }
    expect(serverWith({ bodyLimit: 64 * 1024 * 1024 })).not.toThrow();
  });

  it("maxEventStreams: a positive integer", () => {
    for (const maxEventStreams of [0, -3, 2.5, Number.NaN])
      expect(serverWith({ maxEventStreams }), String(maxEventStreams)).toThrow("maxEventStreams: must be a positive integer");
    expect(serverWith({ maxEventStreams: 1 })).not.toThrow();
  });
});
