/**
 * The app every runtime scenario talks to, in two flavours with the same routes and answers: the Hono
 * middleware (`session()`) and the framework-free engine (`sessionEngine` + `withSession`). Both are plain
 * `(Request) => Promise<Response>` functions, so a scenario can call them in-process or through a server.
 *
 *   /read            the session as JSON (data, id, isNew, expired, invalid)
 *   /login/:user     regenerate(), then set user
 *   /inc             count + 1
 *   /big/:n          a value of n bytes (overflow), /small drops it
 *   /flash/:message  a flash for the next request; /take reads it
 *   /regenerate      a new id, same data
 *   /logout          destroy()
 */
import { Hono, type Context } from "hono";
import { session as cookieSession } from "../../src/cookie/index.js";
import { session, sessionEngine, withSession, type Session, type SessionEngineOptions, type SessionVariables } from "../../src/index.js";

export type AppData = { user?: string; count?: number; big?: string; note?: string };

/** What the JSON routes answer. */
export interface AppBody {
  data: AppData;
  id: string;
  isNew: boolean;
  expired: string | null;
  invalid: string | null;
}

export type Handler = (request: Request) => Promise<Response>;
/** `cookie-entry`: the Hono middleware of `edge-session/cookie` (cookie scenarios only). */
export type Flavour = "hono" | "engine" | "cookie-entry";
export type AppOptions = SessionEngineOptions<unknown>;

/** The app in one flavour, over a fresh engine built from `options`. */
export function appOf(flavour: Flavour, options: AppOptions): Handler {
  return flavour === "engine" ? engineApp(options) : honoApp(options, flavour === "cookie-entry" ? cookieSession : session);
}

/** One route's work, shared by both flavours: a JSON body, a text, or nothing (then the session as JSON). */
async function route(s: Session<AppData>, path: string): Promise<Response> {
  const [, name = "", arg = ""] = path.split("/").map(decodeURIComponent);
  switch (name) {
    case "read":
      break;
    case "login":
      s.regenerate();
      s.set("user", arg);
      break;
    case "inc":
      s.set("count", ((await s.get("count")) ?? 0) + 1);
      break;
    case "big":
      s.set("big", "x".repeat(Number(arg)));
      break;
    case "small":
      s.delete("big");
      break;
    case "note":
      s.set("note", arg);
      break;
    case "flash":
      s.flash("notice", arg);
      return new Response("flashed");
    case "take":
      return Response.json({ notice: (await s.takeFlash<string>("notice")) ?? null });
    case "regenerate":
      s.regenerate();
      break;
    case "logout":
      s.destroy();
      return new Response("bye");
    default:
      return new Response("not found", { status: 404 });
  }
  await s.load();
  const body: AppBody = { data: await s.all(), id: s.id, isNew: s.isNew, expired: s.expired ?? null, invalid: s.invalid ?? null };
  return Response.json(body);
}

function honoApp(options: AppOptions, middleware: typeof session): Handler {
  const app = new Hono<{ Variables: SessionVariables<AppData> }>();
  app.use(middleware<AppData>(options));
  app.all("*", (c: Context<{ Variables: SessionVariables<AppData> }>) => route(c.var.session, new URL(c.req.url).pathname));
  return async (request) => app.fetch(request);
}

function engineApp(options: AppOptions): Handler {
  const sessions = sessionEngine<AppData, null>(options);
  return (request) => withSession(sessions, request, null, (s) => route(s, new URL(request.url).pathname));
}
