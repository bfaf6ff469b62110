import type { APIRoute } from "astro";

export const GET: APIRoute = async ({ locals }) => {
  const { session } = locals;
  const user = (await session.get("user")) ?? null;
  // Why the previous session ended ("idle", "absolute", "revoked"...), to say "you were logged out for inactivity".
  return Response.json({ user, ended: session.expired ?? session.invalid ?? null });
};
