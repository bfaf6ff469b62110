// `npm start`: the demo Worker on wrangler dev (filled in by the demo issue).
console.log("edge-session: the demo Worker is coming with the demo issue; run `npm test` meanwhile.");
