// Node 22 side of bench/isolates.mjs, run by the `node` dev dependency (Node 22): one worker thread (its own
// V8 isolate) per case of the Node bundle, batches interleaved by this thread in the order bench/isolates.mjs
// uses; wall time of each batch inside its thread (Node 22 has no per-thread CPU clock), per request.
// Usage: node bench/isolates-node.mjs <bundle> <size> <rounds> <n> <only regex>; prints JSON on stdout.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

if (isMainThread) {
  const [bundle, size, rounds, n, only] = process.argv.slice(2);
  const { default: cases } = await import(bundle);
  const keys = await (await cases.fetch(new Request("http://isolates.local/list"))).json();
  const results = [];
  const live = [];
  for (const key of keys.filter((k) => new RegExp(only).test(k))) {
    const worker = new Worker(new URL(import.meta.url), { workerData: { bundle, size, key, warm: Math.max(Number(n), 1000) } });
    const waiting = [];
    worker.on("message", (message) => waiting.shift()?.(message));
    worker.on("error", (error) => waiting.shift()?.({ error: String(error) }));
    const ask = (message) => new Promise((resolve) => (waiting.push(resolve), worker.postMessage(message)));
    const ready = await ask({ ready: true });
    if (ready.error) {
      results.push({ key, refused: ready.error.split("\n", 1)[0].slice(0, 200) });
      await worker.terminate();
    } else live.push({ key, ask, worker, us: [] });
  }
  for (let round = 0; round < Number(rounds); round++) {
    const order = live.map((_, i) => live[(i + round) % live.length]);
    if (round % 2) order.reverse();
    for (const item of order) {
      const { ms, error } = await item.ask({ n: Number(n) });
      if (error) throw new Error(`${item.key}: ${error}`);
      item.us.push((ms * 1000) / Number(n));
    }
  }
  for (const item of live) {
    results.push({ key: item.key, us: item.us });
    await item.worker.terminate();
  }
  process.stdout.write(JSON.stringify(results));
} else {
  const { bundle, size, key, warm } = workerData;
  const { default: cases } = await import(bundle);
  const call = async (query) => {
    const res = await cases.fetch(new Request(`http://isolates.local/${query}`));
    if (res.status >= 400) throw new Error(await res.text());
  };
  parentPort.on("message", async (message) => {
    try {
      if (message.ready) {
        await call(`prepare?size=${size}&case=${encodeURIComponent(key)}`);
        await call(`run?n=${warm}`);
        parentPort.postMessage({});
      } else {
        const started = performance.now();
        await call(`run?n=${message.n}`);
        parentPort.postMessage({ ms: performance.now() - started });
      }
    } catch (error) {
      parentPort.postMessage({ error: String(error?.message ?? error) });
    }
  });
}
