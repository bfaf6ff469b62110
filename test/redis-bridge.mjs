// Node side of the Redis tests (vitest.config.ts's outboundService): answers the Worker's requests to
// REDIS_TEST_URL as Upstash's REST endpoint does, by sending each JSON command to the local redis-server
// (started by test/redis-global-setup.mjs) in RESP over a socket. Only what RedisStore uses: one command
// per POST to the root, `{ result }` or `{ error }` back, the bearer token checked.
import { connect } from "node:net";

export const REDIS_TEST_URL = "https://redis.test/";
export const REDIS_TEST_TOKEN = "test-token";

/**
 * The answer to a request for the test Redis, or undefined when the request is for another host.
 * @param {Request} request
 * @returns {Promise<Response | undefined>}
 */
export async function redisBridge(request) {
  const url = new URL(request.url);
  if (url.origin !== new URL(REDIS_TEST_URL).origin) return undefined;
  if (request.headers.get("Authorization") !== `Bearer ${REDIS_TEST_TOKEN}`)
    return Response.json({ error: "Unauthorized" }, { status: 401 });
  if (request.method !== "POST" || url.pathname !== "/")
    return Response.json({ error: "not supported by the test bridge" }, { status: 404 });
  let command;
  try {
    command = await request.json();
  } catch {
    return Response.json({ error: "ERR failed to parse command" }, { status: 400 });
  }
  if (!Array.isArray(command) || command.length === 0 || !command.every((a) => typeof a === "string" || typeof a === "number")) {
    return Response.json({ error: "ERR command must be a non-empty array of strings and numbers" }, { status: 400 });
  }
  const port = Number(process.env.EDGE_SESSION_REDIS_PORT);
  if (!port) return Response.json({ error: "the test Redis is not running (test/redis-global-setup.mjs)" }, { status: 500 });
  const reply = await send(port, command.map(String));
  return "error" in reply ? Response.json(reply, { status: 400 }) : Response.json(reply);
}

/** Sends one command, reads one reply: `{ result }` in Upstash's JSON form, or `{ error }`. */
function send(port, args) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let buffer = Buffer.alloc(0);
    socket.on("error", reject);
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parse(buffer, 0);
      if (!parsed) return; // the reply is not whole yet
      socket.end();
      resolve(parsed.error !== undefined ? { error: parsed.error } : { result: parsed.value });
    });
    socket.write(encode(args));
  });
}

/** A command in RESP: an array of bulk strings. */
export function encode(args) {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(""));
}

/**
 * One RESP2 reply from `offset`: `{ value, end }` (or `{ error, end }` for a top-level error), or undefined
 * when the buffer does not hold all of it yet. Bulk strings are read as UTF-8, as Upstash answers them.
 */
export function parse(buffer, offset) {
  const line = buffer.indexOf("\r\n", offset);
  if (line < 0) return undefined;
  const type = String.fromCharCode(buffer[offset]);
  const head = buffer.toString("utf8", offset + 1, line);
  const next = line + 2;
  switch (type) {
    case "+":
      return { value: head, end: next };
    case "-":
      return { error: head, end: next };
    case ":":
      return { value: Number(head), end: next };
    case "$": {
      const length = Number(head);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString("utf8", next, next + length), end: next + length + 2 };
    }
    case "*": {
      const count = Number(head);
      if (count < 0) return { value: null, end: next };
      const values = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, at);
        if (!item) return undefined;
        // An error inside an array (EXEC) is answered as its message, as Upstash does not nest errors.
        values.push(item.error !== undefined ? item.error : item.value);
        at = item.end;
      }
      return { value: values, end: at };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}
