import { error, json } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const POST: RequestHandler = async ({ request, locals }) => {
  const body = request.headers.get("content-type")?.startsWith("application/json")
    ? ((await request.json()) as { user?: unknown })
    : Object.fromEntries(await request.formData());
  if (typeof body.user !== "string" || !body.user) error(400, "user required");
  // A new session id at login (no session fixation); the data carries over.
  locals.session.regenerate();
  locals.session.set("user", body.user);
  return json({ user: body.user });
};
