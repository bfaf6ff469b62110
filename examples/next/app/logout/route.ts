import { sessions } from "../../lib/session";

export const POST = sessions.route(async (_request, session) => {
  session.destroy();
  return Response.json({ ok: true });
});
