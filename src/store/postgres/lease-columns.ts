import type { Lease } from "../../core/job.js";

/** The $1–$3 columns of lease_held.fragment.sql for the leases at `positions` (one round of leaseRounds). */
export const leaseColumns = (leases: Lease[], positions: number[]) => [
  positions.map((i) => leases[i]!.jobId),
  positions.map((i) => leases[i]!.attempt),
  positions.map((i) => leases[i]!.workerId),
];
