/** The Node bundle bench/run.mjs imports: the scenarios (run in-process) and the report renderer. */
export { SCENARIOS, type ScenarioName } from "./suite.js";
export { renderReport } from "./report.js";
