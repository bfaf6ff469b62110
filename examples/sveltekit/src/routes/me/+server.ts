import { json } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = async ({ locals }) => {
  const { session } = locals;
  const user = (await session.get("user")) ?? null;
  // Why the previous session ended ("idle", "absolute", "revoked"...), to say "you were logged out for inactivity".
  return json({ user, ended: session.expired ?? session.invalid ?? null });
};
