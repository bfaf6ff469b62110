/**
 * The served idle-warning script (`IDLE_WARNING_SCRIPT` of `edge-session/idle-warning`): starts the idle
 * warning with the `data-` attributes of its own `<script>` element. scripts/build-idle-warning.mjs bundles it
 * into one classic script (an IIFE); it is not part of dist/ by itself.
 */
import { SessionConfigError } from "../../core/errors.js";
import { idleWarningOptionsFromDataset } from "./options.js";
import { startIdleWarning } from "./idle-warning.js";

const script = document.currentScript;
// document.currentScript is null in a module script: the options could not be read.
if (!(script instanceof HTMLScriptElement))
  throw new SessionConfigError("idle warning: load it as a classic script (<script src defer>), not a module");
const options = idleWarningOptionsFromDataset({ ...script.dataset });
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => startIdleWarning(options), { once: true });
else startIdleWarning(options);
