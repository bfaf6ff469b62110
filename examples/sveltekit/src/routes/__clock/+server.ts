import { error, json } from "@sveltejs/kit";
import { advance, now, testClockEnabled } from "$lib/clock";
import type { RequestHandler } from "./$types";

// Test-only: moves the session clock forward (a 404 unless EXAMPLE_TEST_CLOCK=1).
export const POST: RequestHandler = ({ url }) => {
  if (!testClockEnabled()) error(404, "Not Found");
  advance(Number(url.searchParams.get("advance") ?? 0));
  return json({ now: now() });
};
