import type { APIRoute } from "astro";

export const POST: APIRoute = async ({ request, locals }) => {
  const body = request.headers.get("content-type")?.startsWith("application/json")
    ? ((await request.json()) as { user?: unknown })
    : Object.fromEntries(await request.formData());
  if (typeof body.user !== "string" || !body.user) return Response.json({ error: "user required" }, { status: 400 });
  // A new session id at login (no session fixation); the data carries over.
  locals.session.regenerate();
  locals.session.set("user", body.user);
  return Response.json({ user: body.user });
};
