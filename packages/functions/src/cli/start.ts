// `cdp start`: the whole local platform in one process.
import { existsSync } from "node:fs";
import { countsOf, subjectOf } from "@cdp/core/pipelines";
import { acquireLock, ensureToken } from "../local/data-dir";
import { watchDms } from "../local/dms-watcher";
import { configFromEnv, openLocalPlatform } from "../local/platform";
import { dmsSampleFiles, sampleFiles } from "../local/sample-data";
import { startScheduler } from "../local/scheduler";
import { createLocalApp, listen } from "../local/server";
import { startTriggers } from "../local/triggers";
import { watchInbox } from "../local/watcher";
import type { Command } from "./commands";
import { CliError } from "./connect";
import { finishedLine } from "./format";

/** How long `cdp start` waits for running jobs when told to stop. */
const STOP_GRACE_MS = 10_000;

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

export const start: Command = {
  usage: `cdp start [--port N] [--host H]

Runs the local platform: API, console, inbox and dms/ watchers, and scheduler. Binds 127.0.0.1 unless told
otherwise, and prints the console's URL with its access token.
  --port N   port to listen on (default 3210; 0 picks a free one)
  --host H   address to bind (default 127.0.0.1)`,
  options: { port: { type: "string" }, host: { type: "string" } },
  async run({ dir, values }) {
    const port = Number(values.port ?? process.env.CDP_PORT ?? 3210);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new CliError(`--port must be a number from 0 to 65535, not ${values.port}`, 2);
    }
    const host = (values.host as string | undefined) ?? "127.0.0.1";
    if (!isLoopback(host)) {
      console.warn(
        `Warning: --host ${host} makes the API and console reachable from other machines, over plain HTTP; anyone who learns the token controls the platform. Prefer 127.0.0.1 behind an SSH tunnel or a TLS proxy.`,
      );
    }
    const lock = acquireLock(dir, "server", "cdp start");
    const firstStart = !existsSync(dir.ops) && !existsSync(dir.lake);
    const token = ensureToken(dir);
    const platform = await openLocalPlatform(dir, configFromEnv());
    if (firstStart && process.env.CDP_NO_SAMPLE !== "1") {
      // A newcomer sees a real ingest, a quarantine and a schema change within seconds, and a
      // DMS full load with two change batches applied after it.
      for (const f of [...sampleFiles(), ...dmsSampleFiles()]) {
        await platform.lake.put(
          f.key,
          (async function* () {
            for (const line of f.lines()) yield Buffer.from(line);
          })(),
        );
      }
      console.log(`First start: dropped a sample CRM export into ${dir.lake}/inbox/customers/`);
      console.log(
        `First start: dropped a sample DMS full load and two change batches into ${dir.lake}/dms/CRM/CUSTOMERS/`,
      );
    }
    let server: Awaited<ReturnType<typeof listen>>;
    try {
      server = await listen(createLocalApp(platform, token), host, port);
    } catch (err) {
      await platform.close();
      lock.release();
      throw new CliError(err instanceof Error ? err.message : String(err));
    }
    const apiHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
    lock.update({ url: server.url.replace(host, apiHost) });
    const watcher = watchInbox(platform);
    const dmsWatcher = watchDms(platform);
    // One line per finished run, whatever started it (the inbox, the console, the schedule).
    platform.onRunFinished((run) =>
      console.log(
        finishedLine(
          { ...run, subject: subjectOf(run), counts: countsOf(run) },
          server.url.replace(host, apiHost),
        ),
      ),
    );
    const scheduler = startScheduler(platform);
    // The sync after each segmentation, and retries of runs that failed on a passing fault.
    const triggers = startTriggers(platform);
    console.log(
      `CDP is running on ${platform.ops.kind === "pglite" ? "the embedded PGlite" : "PostgreSQL"} ops store; data dir ${dir.root}`,
    );
    console.log(`Inbox: drop CSV files into ${dir.lake}/inbox/<table>/`);
    console.log(`DMS: drop AWS DMS files into ${dir.lake}/dms/<SCHEMA>/<TABLE>/`);
    console.log(`Console: ${server.url}/?token=${token}`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    console.log("Stopping: waiting for running jobs to finish…");
    // Stopping is bounded: a job still going after the grace period (or a second signal) is left
    // to the next start, which fails it with the reason so it can be retried.
    const force = (why: string) => {
      console.warn(
        `Stopped ${why}: runs still going are failed on the next start; retry them then.`,
      );
      process.exit(1);
    };
    setTimeout(() => force(`after ${STOP_GRACE_MS / 1000} s`), STOP_GRACE_MS).unref();
    process.once("SIGINT", () => force("at once (second signal)"));
    process.once("SIGTERM", () => force("at once (second signal)"));
    scheduler.stop();
    triggers.stop();
    await watcher.stop();
    await dmsWatcher.stop();
    await server.close();
    await platform.close();
    lock.release();
    return 0;
  },
};
