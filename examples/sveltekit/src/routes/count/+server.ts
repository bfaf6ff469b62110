import { json } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = async ({ locals }) => {
  const visits = ((await locals.session.get("visits")) ?? 0) + 1;
  locals.session.set("visits", visits);
  return json({ visits });
};
