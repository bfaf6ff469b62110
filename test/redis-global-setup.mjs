// vitest globalSetup (Node): starts a throwaway redis-server on a free loopback port for the Redis tests
// (no persistence), tells test/redis-bridge.mjs its port, and stops it when the run ends.
import { spawn } from "node:child_process";
import { connect, createServer } from "node:net";

export default async function setup() {
  const port = await freePort();
  const server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const failed = new Promise((_, reject) => {
    server.on("error", (error) =>
      reject(
        error.code === "ENOENT"
          ? new Error("redis-server not found: the Redis tests run against a local Redis. Install it: apt-get install -y redis-server")
          : error,
      ),
    );
    server.on("exit", (code) => reject(new Error(`redis-server exited (code ${code}) before it answered`)));
  });
  await Promise.race([answers(port), failed]);
  server.removeAllListeners("exit");
  process.env.EDGE_SESSION_REDIS_PORT = String(port);
  return () => {
    server.kill();
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once the server takes connections (tries for 10 s). */
async function answers(port) {
  for (let i = 0; i < 200; i++) {
    const up = await new Promise((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => (socket.end(), resolve(true)));
      socket.on("error", () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not take connections on port ${port}`);
}
