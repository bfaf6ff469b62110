import { sessions } from "./lib/session";

// Next 16's proxy (formerly middleware.ts; it runs on Node): it answers /count itself, before any route.
export const proxy = sessions.route(async (_request, session) => {
  const visits = ((await session.get("visits")) ?? 0) + 1;
  session.set("visits", visits);
  return Response.json({ visits });
});

export const config = { matcher: "/count" };
