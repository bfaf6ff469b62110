import type { Route } from "./+types/logout";
import { sessionContext } from "../session";

export async function action({ context }: Route.ActionArgs) {
  context.get(sessionContext).destroy();
  return Response.json({ ok: true });
}
