import { expect, it } from "vitest";
import { AddressPolicy, embeddedIPv4 } from "../../src/server/webhooks/address-policy.js";

it("reads the IPv4 address an IPv6 address carries in its mapped, NAT64, 6to4 and compatible forms", () => {
  expect(embeddedIPv4("::ffff:127.0.0.1")).toBe("127.0.0.1");
  expect(embeddedIPv4("::ffff:7f00:1")).toBe("127.0.0.1");
  expect(embeddedIPv4("64:ff9b::a00:1")).toBe("10.0.0.1");
  expect(embeddedIPv4("64:ff9b::8.8.8.8")).toBe("8.8.8.8");
  expect(embeddedIPv4("2002:7f00:1::")).toBe("127.0.0.1");
  expect(embeddedIPv4("2002:a9fe:a9fe:0:0:0:0:1")).toBe("169.254.169.254");
  expect(embeddedIPv4("::127.0.0.1")).toBe("127.0.0.1");
  for (const plain of ["::", "::1", "2606:4700::1111", "fe80::1%eth0", "10.0.0.1", "not an address"]) expect(embeddedIPv4(plain), plain).toBeNull();
});

it("judges an IPv6 address that carries an IPv4 one as that IPv4 address, allowed ranges included", () => {
  const policy = new AddressPolicy();
  for (const refused of ["64:ff9b::a00:1", "64:ff9b::7f00:1", "2002:c0a8:101::1", "::10.0.0.1", "::ffff:169.254.169.254", "64:ff9b:1::808:808", "2001:0:4136:e378:8000:63bf:3fff:fdd2"])
    expect(policy.isAllowed(refused), refused).toBe(false);
  for (const allowed of ["64:ff9b::808:808", "2002:808:808::1", "2606:4700::1111", "8.8.8.8"]) expect(policy.isAllowed(allowed), allowed).toBe(true);
  expect(new AddressPolicy(["10.0.0.0/8"]).isAllowed("64:ff9b::a00:1")).toBe(true);
});
