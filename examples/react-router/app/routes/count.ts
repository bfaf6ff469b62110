import type { Route } from "./+types/count";
import { sessionContext } from "../session";

export async function loader({ context }: Route.LoaderArgs) {
  const session = context.get(sessionContext);
  const visits = ((await session.get("visits")) ?? 0) + 1;
  session.set("visits", visits);
  return Response.json({ visits });
}
