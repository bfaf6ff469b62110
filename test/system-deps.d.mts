/** Types of test/system-deps.mjs (the programs the test suites need beyond npm packages). */
export declare function isCI(env?: Record<string, string | undefined>): boolean;
export declare function isExecutable(file: string): boolean;
export declare function filesMatching(dir: URL, pattern: RegExp): string[];
export declare function onPath(command: string, env?: Record<string, string | undefined>): boolean;
export declare function requireProgram(need: {
  program: string;
  found: boolean;
  package: string;
  skips: string;
  env?: Record<string, string | undefined>;
}): boolean;
