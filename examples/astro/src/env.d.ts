declare namespace App {
  interface Locals {
    session: import("edge-session").Session<import("./middleware").SessionData>;
  }
}
