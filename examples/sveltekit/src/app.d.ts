import type { Session } from "edge-session";
import type { SessionData } from "./hooks.server";

declare global {
  namespace App {
    interface Locals {
      session: Session<SessionData>;
    }
  }
}

export {};
