import type { APIRoute } from "astro";

export const POST: APIRoute = ({ locals }) => {
  locals.session.destroy();
  return Response.json({ ok: true });
};
