import type { Route } from "./+types/me";
import { endedReason, sessionContext } from "../session";

export async function loader({ context }: Route.LoaderArgs) {
  const session = context.get(sessionContext);
  return Response.json({ user: (await session.get("user")) ?? null, ended: await endedReason(session) });
}
