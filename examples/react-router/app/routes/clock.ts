import type { Route } from "./+types/clock";
import { advance } from "../clock";

// Test-only: moves the session's clock. Not there (404) unless EXAMPLE_TEST_CLOCK=1.
export async function action({ request }: Route.ActionArgs) {
  if (process.env.EXAMPLE_TEST_CLOCK !== "1") return new Response("Not Found", { status: 404 });
  advance(Number(new URL(request.url).searchParams.get("advance") ?? 0));
  return Response.json({ ok: true });
}

export function loader() {
  return new Response("Not Found", { status: 404 });
}
