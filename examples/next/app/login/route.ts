import { login } from "../actions";

// The server action, called from a route handler for clients that post JSON or a form.
export async function POST(request: Request) {
  const body = request.headers.get("Content-Type")?.startsWith("application/json")
    ? await request.json()
    : Object.fromEntries(await request.formData());
  const user = body?.user;
  if (typeof user !== "string" || !user) return Response.json({ error: "user is required" }, { status: 400 });
  await login(user);
  // The session's cookie goes out through Next's cookie store, which cannot set headers: no shared cache may
  // keep this response (sessions.route() says so itself).
  return Response.json({ user }, { headers: { "Cache-Control": "no-store" } });
}
