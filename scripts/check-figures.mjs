// `npm test` (check:release): every published figure sits in a region a bench script wrote, with its date,
// machine and method (bench/regions.mjs); a number typed or pasted outside the regions fails. No benchmark runs.
import { readFileSync } from "node:fs";
import { FIGURE_FILES, figureProblems } from "../bench/regions.mjs";

const root = new URL("..", import.meta.url);
const problems = FIGURE_FILES.flatMap((file) => figureProblems(readFileSync(new URL(file, root), "utf8"), file));
if (problems.length) {
  console.error(problems.join("\n"));
  console.error("Figures are written by `npm run bench:publish` (bench/publish.mjs) into <!-- bench:NAME --> regions.");
  process.exit(1);
}
console.log(`check-figures: ${FIGURE_FILES.length} files, every figure in a stamped bench region`);
