import { BlockList, isIP } from "node:net";
import { lookup } from "node:dns/promises";

/** Ranges a webhook must not reach unless allowed: a server-side request forgery would target them. */
const PRIVATE_RANGES: [string, number, "ipv4" | "ipv6"][] = [
  ["0.0.0.0", 8, "ipv4"],
  ["10.0.0.0", 8, "ipv4"],
  ["100.64.0.0", 10, "ipv4"], // carrier-grade NAT
  ["127.0.0.0", 8, "ipv4"],
  ["169.254.0.0", 16, "ipv4"], // link-local, cloud metadata services
  ["172.16.0.0", 12, "ipv4"],
  ["192.0.0.0", 24, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["198.18.0.0", 15, "ipv4"],
  ["224.0.0.0", 3, "ipv4"], // multicast, reserved, broadcast
  ["::", 128, "ipv6"],
  ["::1", 128, "ipv6"],
  ["fc00::", 7, "ipv6"], // unique local
  ["fe80::", 10, "ipv6"], // link-local
  ["ff00::", 8, "ipv6"], // multicast
  ["64:ff9b:1::", 48, "ipv6"], // NAT64 for local use (RFC 8215): a network's own translator
  ["2001::", 32, "ipv6"], // Teredo: carries IPv4 addresses (obfuscated) that this policy cannot judge
];

export class WebhookAddressRefused extends Error {}

/** Decides which addresses webhooks may be sent to. */
export class AddressPolicy {
  private readonly refused = new BlockList();
  private readonly allowed = new BlockList();

  /** `allowedPrivate`: IPs or CIDRs allowed although in a private range (e.g. "127.0.0.1"). */
  constructor(allowedPrivate: string[] = []) {
    for (const [address, prefix, type] of PRIVATE_RANGES) this.refused.addSubnet(address, prefix, type);
    for (const entry of allowedPrivate) {
      const slash = entry.indexOf("/");
      const address = slash === -1 ? entry : entry.slice(0, slash);
      const type = isIP(address) === 6 ? "ipv6" : "ipv4";
      if (isIP(address) === 0) throw new Error(`allowed webhook address "${entry}" is not an IP or CIDR`);
      if (slash === -1) {
        this.allowed.addAddress(address, type);
        continue;
      }
      // Strictly digits: Number("") is 0, and "10.0.0.0/" would have allowed every address.
      const prefixText = entry.slice(slash + 1);
      const bits = type === "ipv6" ? 128 : 32;
      if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits)
        throw new Error(`allowed webhook address "${entry}": the prefix length must be 0–${bits}`);
      this.allowed.addSubnet(address, Number(prefixText), type);
    }
  }

  isAllowed(address: string): boolean {
    const embedded = isIP(address) === 6 ? embeddedIPv4(address) : null;
    const ip = embedded ?? address;
    const type = isIP(ip) === 6 ? "ipv6" : "ipv4";
    return this.allowed.check(ip, type) || !this.refused.check(ip, type);
  }

  /** Throws unless `hostname` is a literal IP the policy allows, or any other name (checked when resolved). */
  checkLiteral(hostname: string): void {
    const ip = hostname.replace(/^\[|\]$/g, "");
    // Names under .localhost are loopback too (RFC 6761), and a trailing dot names the same host.
    if (/^(.+\.)?localhost\.*$/i.test(hostname)) throw new WebhookAddressRefused("localhost is not an allowed webhook target");
    if (isIP(ip) !== 0 && !this.isAllowed(ip))
      throw new WebhookAddressRefused(`${ip} is a private, loopback or link-local address`);
  }

  /**
   * Resolves `hostname` and returns an address to connect to, refusing if any address it
   * resolves to is not allowed. Connecting to the checked address (not re-resolving) keeps a
   * DNS answer that changes between check and connect from reaching a private address.
   */
  async resolve(hostname: string): Promise<{ address: string; family: number }> {
    const ip = hostname.replace(/^\[|\]$/g, "");
    this.checkLiteral(hostname);
    if (isIP(ip) !== 0) return { address: ip, family: isIP(ip) };
    const addresses = await lookup(hostname, { all: true });
    const bad = addresses.find((a) => !this.isAllowed(a.address));
    if (bad) throw new WebhookAddressRefused(`${hostname} resolves to ${bad.address}, a private, loopback or link-local address`);
    if (addresses.length === 0) throw new Error(`${hostname} does not resolve`);
    return addresses[0]!;
  }
}

/**
 * The IPv4 address an IPv6 address stands for, where its form says (else null): IPv4-mapped
 * (::ffff:a.b.c.d), NAT64's well-known prefix (64:ff9b::/96, RFC 6052), 6to4 (2002::/16) and
 * the old IPv4-compatible form (::a.b.c.d). Judged as that IPv4 address: [64:ff9b::a00:1] is
 * 10.0.0.1 wherever a NAT64 gateway translates it.
 */
export function embeddedIPv4(address: string): string | null {
  const words = ipv6Words(address);
  if (words === null) return null;
  const zeroThrough = (n: number) => words.slice(0, n).every((w) => w === 0);
  const dotted = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  if (zeroThrough(5) && words[5] === 0xffff) return dotted(words[6]!, words[7]!);
  if (words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0)) return dotted(words[6]!, words[7]!);
  if (words[0] === 0x2002) return dotted(words[1]!, words[2]!);
  // :: and ::1 are judged as themselves (unspecified, loopback).
  if (zeroThrough(6) && (words[6] !== 0 || words[7]! > 1)) return dotted(words[6]!, words[7]!);
  return null;
}

/** An IPv6 address's eight 16-bit words, or null if it is not one. */
function ipv6Words(address: string): number[] | null {
  if (isIP(address) !== 6) return null;
  let text = address.replace(/%.*$/, ""); // a zone (fe80::1%eth0) names an interface, not an address
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const words = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return words.length === 8 ? words : null;
}
