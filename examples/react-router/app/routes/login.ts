import type { Route } from "./+types/login";
import { sessionContext } from "../session";

export async function action({ request, context }: Route.ActionArgs) {
  const body = request.headers.get("Content-Type")?.startsWith("application/json")
    ? await request.json()
    : Object.fromEntries(await request.formData());
  const user = body?.user;
  if (typeof user !== "string" || !user) return Response.json({ error: "user is required" }, { status: 400 });
  const session = context.get(sessionContext);
  // A new session id at login (no session fixation): the old cookie no longer opens this session.
  session.regenerate();
  session.set("user", user);
  return Response.json({ user });
}
