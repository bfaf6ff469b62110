/**
 * The served script's errors: scripts/build-idle-warning.mjs bundles this module in place of core/errors.ts,
 * so the script a page loads carries no server code (`SessionError.getResponse()` and its status texts). A
 * misused script still throws a `SessionConfigError` with the package's name, `code` and message; nothing
 * can import a classic script's classes, so there is no `instanceof` to keep. The module for bundlers
 * (`edge-session/idle-warning/browser`) throws the package's own class.
 */
export class SessionConfigError extends Error {
  readonly code = "CONFIG";
  constructor(message: string) {
    super(message);
    this.name = "SessionConfigError";
  }
}
