import type { APIRoute } from "astro";

export const GET: APIRoute = async ({ locals }) => {
  const visits = ((await locals.session.get("visits")) ?? 0) + 1;
  locals.session.set("visits", visits);
  return Response.json({ visits });
};
