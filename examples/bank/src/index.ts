import { Hono } from "hono";

const app = new Hono();
app.get("/", (c) => c.text("edge-session demo: coming with the demo issue"));
export default app;
export { SessionObject } from "../../../src/index.js";
