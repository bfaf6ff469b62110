/** The Node bundle bench/run.mjs imports: the scenarios (run in-process), the harness and the report. */
export { prepareScenario, runBatch } from "./suite.js";
export { timeCases } from "./harness.js";
export { runBytes } from "./bytes.js";
export { renderReport } from "./report.js";
