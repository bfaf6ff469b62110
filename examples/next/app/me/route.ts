import { endedReason, sessions } from "../../lib/session";

export const GET = sessions.route(async (_request, session) =>
  Response.json({ user: (await session.get("user")) ?? null, ended: await endedReason(session) }),
);
