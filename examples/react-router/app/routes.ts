import { route, type RouteConfig } from "@react-router/dev/routes";

// Resource routes (a loader or an action, no component): each answers JSON.
export default [
  route("count", "routes/count.ts"),
  route("login", "routes/login.ts"),
  route("me", "routes/me.ts"),
  route("logout", "routes/logout.ts"),
  route("__clock", "routes/clock.ts"),
] satisfies RouteConfig;
