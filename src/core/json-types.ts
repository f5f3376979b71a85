// Compile-time mirrors of what serializePayload (payload.ts) refuses at run time, so that a
// job type whose payload or result cannot be stored is an error where it is defined, not a
// failed job in production.

/**
 * What `enqueue` takes for a job type's payload: never `undefined`, which JSON cannot hold. A
 * handler that takes no payload (its type unknown, any or void) is given `null` or `{}`; one
 * whose payload parameter is optional is given the payload.
 */
export type PayloadArg<Payload> = unknown extends Payload ? {} | null : [Payload] extends [void] ? {} | null : Exclude<Payload, void>;

/** Deep enough for real payloads; it stops recursive types (trees) from recursing for ever. */
type MaxDepth = 8;

/**
 * The kinds of value `T` may hold that JSON does not keep as they are, as readable strings
 * (never if none). Only what the types say for certain is named: `unknown` and `any` pass,
 * as does a class instance that looks like a plain object (the run-time check still refuses it).
 * An optional property may be absent; a required one must not be `undefined`.
 */
export type NotJson<T, Depth extends unknown[] = []> = Depth["length"] extends MaxDepth
  ? never
  : 0 extends 1 & T
    ? never
    : unknown extends T
      ? never
      : T extends string | number | boolean | null
        ? never
        : T extends undefined
          ? "undefined (leave the field out, or use null)"
          : T extends Date
            ? "a Date (send date.toISOString())"
            : T extends bigint
              ? "a bigint (send it as a string)"
              : T extends symbol | ((...args: never[]) => unknown)
                ? "a function or symbol"
                : T extends ReadonlyMap<unknown, unknown> | ReadonlySet<unknown> | WeakMap<object, unknown> | WeakSet<object>
                  ? "a Map or Set (send an array or a plain object)"
                  : T extends RegExp | Promise<unknown> | ArrayBuffer | ArrayBufferView
                    ? "a RegExp, Promise, Buffer or typed array"
                    : T extends readonly (infer Item)[]
                      ? // An optional tuple element may be absent ([number, number?]); so its undefined passes here.
                        NotJson<Exclude<Item, undefined>, [...Depth, unknown]>
                      : T extends object
                        ? { [K in keyof T]-?: NotJson<PresentValue<T, K>, [...Depth, unknown]> }[keyof T]
                        : never;

/** The type of `T[K]` where it is present: an optional property's `undefined` means absent. */
type PresentValue<T, K extends keyof T> = {} extends Pick<T, K> ? Exclude<T[K], undefined> : T[K];

/**
 * `unknown` (no constraint) when a job type's payload and result are JSON; otherwise an object
 * type whose one property, missing from the options given to `define`, names what is not, so
 * the compiler's error reads e.g. `'"result must be JSON, not"' is missing … "a Date (…)"`.
 * At the top, `undefined` passes: a payload is never enqueued as undefined (PayloadArg), and a
 * result that is (a handler that returns nothing) is stored as null.
 */
export type JsonJobTypes<Payload, Result> = [NotJson<Exclude<Payload, void>>] extends [never]
  ? [NotJson<Exclude<Result, void>>] extends [never]
    ? unknown
    : { "result must be JSON, not": NotJson<Exclude<Result, void>> }
  : { "payload must be JSON, not": NotJson<Exclude<Payload, void>> };
