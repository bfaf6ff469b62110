/** Types of test/redis-bridge.mjs (Node side of the Redis tests). */
export declare const REDIS_TEST_URL: string;
export declare const REDIS_TEST_TOKEN: string;
export declare function redisBridge(request: Request): Promise<Response | undefined>;
