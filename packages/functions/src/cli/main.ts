// Entry of the `cdp` command: dispatch, global flags, exit codes (0 ok, 1 failed, 2 usage).
import { parseArgs } from "node:util";
import { VisibleError } from "@cdp/core/util/error";
import { resolveDataDir } from "../local/data-dir";
import type { Command } from "./commands";
import { CliError } from "./connect";

// Each command's module is loaded only when it is the one run: `cdp --help` and a usage error
// load none, and `cdp sct` does not load the platform that `cdp start` needs.
const commands: Record<string, () => Promise<Command>> = {
  start: async () => (await import("./start")).start,
  ingest: async () => (await import("./ingest")).ingest,
  cdc: async () => (await import("./cdc")).cdc,
  segment: async () => (await import("./segment")).segment,
  selftest: async () => (await import("./commands")).selftest,
  runs: async () => (await import("./commands")).runs,
  retry: async () => (await import("./commands")).retry,
  sql: async () => (await import("./commands")).sql,
  sct: async () => (await import("./sct")).sct,
  sync: async () => (await import("./sync")).sync,
};

const usage = `Usage: cdp <command> [options]

Commands:
  start      run the local platform (API, console, inbox watcher, scheduler)
  ingest     load a CSV file into the warehouse
  cdc        apply AWS DMS full-load and change files to their warehouse tables
  segment    segment users by k-means; \`cdp segment explain USER_ID\` says why
  selftest   run the built-in selftest job
  runs       list pipeline runs
  retry      retry a failed run
  sql        run a read-only query on the local warehouse
  sct        convert Oracle DDL to Redshift (or PostgreSQL) DDL: cdp sct convert ORACLE.sql
  sync       send each user's segment to Salesforce (only what changed): cdp sync salesforce

Every command takes --data-dir DIR (default ./.cdp, or CDP_DATA_DIR) and --help.
Run \`cdp <command> --help\` for its options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage);
    return name ? 0 : 2;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) throw new CliError(`unknown command "${name}"\n\n${usage}`, 2);
  const command = await load();
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        ...command.options,
        "data-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${command.usage}`, 2);
  }
  if (parsed.values.help) {
    console.log(
      `${command.usage}\n\n  --data-dir DIR   the data dir (default ./.cdp, or CDP_DATA_DIR)`,
    );
    return 0;
  }
  const [min, max] = command.positionals ?? [0, 0];
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new CliError(`wrong number of arguments\n\n${command.usage}`, 2);
  }
  const dir = resolveDataDir(parsed.values["data-dir"] as string | undefined);
  return command.run({ dir, values: parsed.values, positionals: parsed.positionals });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (err instanceof CliError) {
      console.error(`cdp: ${err.message}`);
      process.exitCode = err.exitCode;
    } else if (err instanceof VisibleError) {
      console.error(`cdp: ${err.message}`);
      process.exitCode = err.kind === "input" ? 2 : 1;
    } else {
      console.error("cdp: unexpected error:", err);
      process.exitCode = 1;
    }
  },
);
