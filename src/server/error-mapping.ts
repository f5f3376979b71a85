import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from "fastify";
import { ErrandError, ValidationError, fieldPath } from "../core/errors.js";
import { HttpError } from "./http-error.js";
import { apiFieldName, apiValidationMessage } from "./wire-format.js";

/** One of ajv's errors as Fastify passes it on; ajv's `verbose` adds the schema it broke. */
type SchemaIssue = FastifySchemaValidationError & { propertyName?: string; parentSchema?: { description?: unknown }; data?: unknown };
type IssueParams = { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[]; limit?: number; type?: string };

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** ErrandError codes the library raises on purpose, and the status each means over HTTP. */
const STATUS_BY_ERRAND_CODE: Record<string, number> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  store_unavailable: 503,
  // The server's Errand closed under a request (the process is shutting down).
  closed: 503,
};

/**
 * The longest path parameter, as sent: a name of 128 characters, each `/` in it escaped as
 * `%2F`. Fastify's default (100) refused longer names before any route could see them.
 */
export const MAX_PATH_PARAM = 3 * 128;

/** Fastify's own request errors: all the caller's fault, all a 4xx; `message` where Fastify's says too little. */
const FASTIFY_CODES: Record<string, { status: number; code: string; message?: string; field?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: "invalid_json", field: "body" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: "invalid_json", field: "body" },
  // The issue asks for 400 rather than 413 for an oversized body: one status for every bad body.
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 400, code: "body_too_large", field: "body" },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: "invalid_content_length" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: "unsupported_media_type", message: "send the body as JSON with Content-Type: application/json", field: "body" },
  // Raised before routing (see answerError); Fastify's own words quote the whole path.
  FST_ERR_BAD_URL: { status: 400, code: "bad_url", message: "the path has a malformed %-escape (a % must start one such as %2F)" },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: "uri_too_long", message: `a path segment is longer than ${MAX_PATH_PARAM} characters, more than any id or name takes` },
};

/** Turns every error a route can raise into `{"error": {code, message, field?}}` with the right status. */
export function installErrorMapping(app: FastifyInstance): void {
  app.setErrorHandler(answerError);
  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, { error: { code: "route_not_found", message: `no route ${request.method} ${request.url.split("?")[0]}` } }),
  );
}

/**
 * Answers `error` in the API's shape. Also Fastify's `frameworkErrors`, for what it raises
 * before routing (a malformed %-escape in the path, an over-long parameter), which the error
 * handler never sees.
 */
export function answerError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = describe(error, request.headers["content-type"]);
  // A 5xx the server chose (a full house of event streams) is expected under load, not a fault.
  if (status >= 500) {
    if (error instanceof HttpError) request.log.warn({ code: body.error.code }, "request refused");
    else request.log.error({ err: error }, "request failed");
  }
  if (error instanceof HttpError) reply.headers(error.headers);
  return send(reply, status, body);
}

/** What Node's HTTP parser refuses before Fastify sees a request, by its error code. */
const CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: "headers_too_large", message: "the request's headers are larger than the server accepts (16 KiB in all)" },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: "request_timeout", message: "the request did not arrive in time" },
};
const MALFORMED_REQUEST = { status: 400, code: "malformed_request", message: "the request is not valid HTTP/1.1" };

/**
 * Fastify's `clientErrorHandler`: answers what the HTTP parser refused (oversized headers, broken
 * framing, a timeout) in the API's error shape, as Fastify's own handler does in its shape, then
 * closes the connection, whose stream can no longer be read.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection is gone: there is no one to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const { status, code, message } = CLIENT_ERRORS[error.code ?? ""] ?? MALFORMED_REQUEST;
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function send(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply.status(status).type("application/json; charset=utf-8").send(body);
}

function describe(error: FastifyError | Error, contentType: string | undefined): { status: number; body: ErrorBody } {
  if (error instanceof HttpError) {
    return { status: error.status, body: errorBody(error.code, error.message, error.field) };
  }
  if (error instanceof ValidationError) {
    const field = apiFieldName(error.field);
    return { status: 400, body: errorBody("invalid_input", apiValidationMessage(error, field), field) };
  }
  if (error instanceof ErrandError) {
    return { status: STATUS_BY_ERRAND_CODE[error.code] ?? 500, body: errorBody(error.code, error.message) };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return { status: 400, body: schemaErrorBody(fastifyError, contentType) };
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return { status: known.status, body: errorBody(known.code, known.message ?? fastifyError.message, known.field) };
  // Any other error Fastify or a plugin marks as the client's stays that 4xx, its code the
  // status's name (a path escaping the dashboard's folder: 403 `forbidden`), so the two agree.
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) return { status, body: errorBody(statusCodeName(status), fastifyError.message) };
  return { status: 500, body: errorBody("internal", "internal server error") };
}

/** `403` → `forbidden`: the status's reason phrase as an error code. */
function statusCodeName(status: number): string {
  return (STATUS_CODES[status] ?? "bad request").toLowerCase().replace(/[^a-z]+/g, "_");
}

function errorBody(code: string, message: string, field?: string): ErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

/**
 * The first schema violation, naming the field as `jobs[2].delay_ms` (or `nodes.a b` for a
 * key that is not a valid name, `nodes[""]` for an empty one) and saying what it must be in words.
 */
function schemaErrorBody(error: FastifyError, contentType: string | undefined): ErrorBody {
  const first: SchemaIssue = error.validation![0]!;
  if (error.validationContext === "body" && first.instancePath === "" && first.keyword === "type") return wholeBodyError(contentType);
  const params: IssueParams = first.params;
  const segments = first.instancePath.split("/").filter(Boolean);
  const extra = params.missingProperty ?? params.additionalProperty ?? first.propertyName;
  if (extra !== undefined) segments.push(extra);
  const field = segments.reduce(fieldPath, "");
  const subject = field || (error.validationContext === "body" ? "body" : String(error.validationContext));
  // A query field sent twice (?limit=2&limit=3) arrives as an array, which no query field takes.
  if (error.validationContext === "querystring" && first.keyword === "type" && Array.isArray(first.data))
    return errorBody("invalid_input", `${subject} is given more than once; give it once`, field || undefined);
  // A key broke `propertyNames` (a flow node called "a b"): the field is that key, quoted in the message.
  if (first.propertyName !== undefined)
    return errorBody("invalid_input", `${subject}: the name ${JSON.stringify(first.propertyName)} ${problemOf(first, params)}`, field);
  return errorBody("invalid_input", `${subject} ${problemOf(first, params)}`, field || undefined);
}

/** What the value must be: ajv's words, except where they would quote a regular expression or list nothing. */
function problemOf(issue: SchemaIssue, params: IssueParams): string {
  if (params.additionalProperty !== undefined) return "is not a known field";
  if (params.missingProperty !== undefined) return "is required";
  if (issue.keyword === "enum" && params.allowedValues) return `must be one of ${params.allowedValues.join(", ")}`;
  const bound = boundWords(issue.keyword, params);
  if (bound !== null) return bound;
  const description = issue.parentSchema?.description;
  // A patterned field's description starts with its rule in words (see `patterned` in schemas.ts).
  if ((issue.keyword === "pattern" || issue.keyword === "format") && typeof description === "string")
    return `must be ${description.split("; ")[0]}`;
  return issue.message ?? "is invalid";
}

/** ajv's bounds and types ("must NOT have fewer than 1 characters") in the words the library uses for the same rules. */
function boundWords(keyword: string, params: IssueParams): string | null {
  const { limit } = params;
  switch (keyword) {
    case "minLength":
      return limit === 1 ? "must not be empty" : `must be at least ${limit} characters`;
    case "maxLength":
      return `must be at most ${limit} characters`;
    case "minItems":
      return limit === 1 ? "must not be empty" : `must have at least ${limit} items`;
    case "maxItems":
      return `must have at most ${limit} items`;
    case "minProperties":
      return limit === 1 ? "must not be empty" : `must have at least ${limit} entries`;
    case "maxProperties":
      return `must have at most ${limit} entries`;
    case "minimum":
      return `must be ≥ ${limit}`;
    case "maximum":
      return `must be ≤ ${limit}`;
    case "type":
      return params.type === undefined ? null : `must be ${params.type.split(",").map((t) => TYPE_WORDS[t] ?? t).join(" or ")}`;
    default:
      return null;
  }
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "true or false",
  object: "an object",
  array: "an array",
  null: "null",
};

/**
 * The body is no JSON object at all. Most often it is JSON sent without saying so: text/plain
 * (curl -d's default with some tools, fetch's for a string) is read as a string, not parsed.
 */
function wholeBodyError(contentType: string | undefined): ErrorBody {
  const mediaType = contentType?.split(";")[0]!.trim().toLowerCase() || "missing";
  const message =
    mediaType === "application/json"
      ? "body must be a JSON object"
      : `body must be a JSON object sent with Content-Type: application/json (this request's Content-Type is ${mediaType})`;
  return errorBody("invalid_input", message, "body");
}
