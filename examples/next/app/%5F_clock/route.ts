import { advance } from "../../lib/clock";

// Test-only, at /__clock (%5F: a folder starting with _ is private): moves the session's clock. Not there
// (404) unless EXAMPLE_TEST_CLOCK=1.
export async function POST(request: Request) {
  if (process.env.EXAMPLE_TEST_CLOCK !== "1") return new Response("Not Found", { status: 404 });
  advance(Number(new URL(request.url).searchParams.get("advance") ?? 0));
  return Response.json({ ok: true });
}
