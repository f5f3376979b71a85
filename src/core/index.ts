export * from "./backoff.js";
export * from "./enqueue-options.js";
export * from "./errors.js";
export * from "./job.js";
export * from "./payload.js";
export * from "./states.js";
export * from "./retry-after.js";
export * from "./limits.js";
