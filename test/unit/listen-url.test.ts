import { describe, expect, it } from "vitest";
import { browsableUrl } from "../../src/server/listen-url.js";

describe("browsableUrl", () => {
  it("shows a server listening on every interface at localhost, and leaves a named address as it is", () => {
    expect(browsableUrl("http://0.0.0.0:3000")).toBe("http://localhost:3000");
    expect(browsableUrl("http://[::]:3000")).toBe("http://localhost:3000");
    expect(browsableUrl("http://127.0.0.1:3000")).toBe("http://127.0.0.1:3000");
    expect(browsableUrl("http://[::1]:3000")).toBe("http://[::1]:3000");
    expect(browsableUrl("http://10.0.0.0:3000")).toBe("http://10.0.0.0:3000");
  });
});
