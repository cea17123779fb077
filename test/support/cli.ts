// Runs the real `cdp` command as a user would, in a child process.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const cdpBin = fileURLToPath(
  new URL("../../packages/functions/bin/cdp.mjs", import.meta.url),
);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cdp(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cdpBin, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface Server {
  child: ChildProcess;
  url: string;
  token: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `cdp start` on a free port; resolves once it prints the console URL. */
export function startServer(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cdpBin, "start", "--port", "0", ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`cdp start printed no console URL:\n${out}`)),
      60_000,
    );
    const onData = (d: Buffer) => {
      out += d;
      const m = out.match(/Console: (http:\/\/[^/\s]+)\/\?token=(\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          url: m[1]!,
          token: m[2]!,
          output: () => out,
          stop: (signal = "SIGTERM") =>
            new Promise((r) => {
              if (child.exitCode !== null || child.signalCode !== null) return r(child.exitCode);
              child.once("exit", (code) => r(code));
              child.kill(signal);
            }),
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`cdp start exited with ${code}:\n${out}`));
    });
  });
}
