// The HTTP client side of the store benchmarks (bench/do.mjs, bench/d1.mjs): clients that each hold a session
// and send their share of requests one at a time, against a Worker under Miniflare on 127.0.0.1. Every
// response may say how many store round trips it made (`X-Store-Calls`).

/**
 * The cases of one benchmark run: `clients` concurrent clients, at most `requests` requests per case, and no
 * case longer than `caseMs`.
 */
export function httpCases({ clients: CLIENTS, requests: REQUESTS, caseMs: CASE_MS }) {
  return { run, contended };

  /** Each client: one session (created by a first write), then its share of requests, one at a time. */
  async function run(base, mode, kind) {
    const cookies = await Promise.all(Array.from({ length: CLIENTS }, () => startSession(base, mode)));
    await Promise.all(cookies.map((cookie) => timed(new URL(`/${mode}/${kind}`, base), cookie))); // warm-up
    return measure(cookies.map((cookie) => () => timed(new URL(`/${mode}/${kind}`, base), cookie)));
  }

  /** All clients on one session, each request setting its own key: how many of the keys survive? */
  async function contended(base, mode) {
    const cookie = await startSession(base, mode);
    let next = 0;
    const result = await measure(
      Array.from({ length: CLIENTS }, () => () => timed(new URL(`/${mode}/write?key=k${next++}`, base), cookie)),
    );
    const keys = Number(await (await fetch(new URL(`/${mode}/keys`, base), { headers: { Cookie: cookie } })).text()) - 1; // less "n"
    return { ...result, note: `one session, each request sets its own key: ${keys} of ${next} keys kept` };
  }

  async function startSession(base, mode) {
    const res = await fetch(new URL(`/${mode}/write`, base));
    await res.text();
    const setCookie = res.headers.get("Set-Cookie");
    if (!res.ok || !setCookie) throw new Error(`${mode}: no session (${res.status})`);
    return setCookie.slice(0, setCookie.indexOf(";"));
  }

  async function timed(url, cookie) {
    const started = performance.now();
    const res = await fetch(url, { headers: { Cookie: cookie } });
    await res.text();
    if (!res.ok) throw new Error(`${url.pathname}: ${res.status}`);
    return { ms: performance.now() - started, calls: Number(res.headers.get("X-Store-Calls")) };
  }

  /** Runs the client loops until REQUESTS are done (or the case's time is up): rate, latency percentiles, store calls. */
  async function measure(clients) {
    const latencies = [];
    let calls = 0;
    const deadline = performance.now() + CASE_MS;
    let issued = 0;
    const started = performance.now();
    await Promise.all(
      clients.map(async (request) => {
        while (issued < REQUESTS && performance.now() < deadline) {
          issued++;
          const result = await request();
          latencies.push(result.ms);
          calls += result.calls;
        }
      }),
    );
    const elapsed = performance.now() - started;
    latencies.sort((a, b) => a - b);
    const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    return { rate: (latencies.length / elapsed) * 1000, p50: at(0.5), p99: at(0.99), calls: calls / latencies.length };
  }
}
