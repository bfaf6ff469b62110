import type { APIRoute } from "astro";
import { EXAMPLE_TEST_CLOCK } from "astro:env/server";
import { advance, now } from "./clock";

// Test-only: moves the session clock forward (a 404 unless EXAMPLE_TEST_CLOCK=1).
export const POST: APIRoute = ({ url }) => {
  if (EXAMPLE_TEST_CLOCK !== "1") return new Response("Not Found", { status: 404 });
  advance(Number(url.searchParams.get("advance") ?? 0));
  return Response.json({ now: now() });
};
