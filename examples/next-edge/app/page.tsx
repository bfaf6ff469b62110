// Every route of this example is answered by middleware.ts, on the edge runtime; this page only says so.
export default function Home() {
  return <p>edge-session in Next&apos;s middleware.ts: GET /count, POST /login, GET /me, POST /logout.</p>;
}
