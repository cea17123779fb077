// Types of cli-bundle.mjs (the test setup imports it from TypeScript).
export declare const distDir: string;
export declare const bundlePath: string;
export declare function bundleIsFresh(): boolean;
export declare function buildCliBundle(): Promise<{ ms: number; files: number; dir: string }>;
