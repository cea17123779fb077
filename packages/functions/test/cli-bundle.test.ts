// The `cdp` command runs from its prebuilt bundle (dist/cdp.mjs) when that is newer than the
// sources; the bundle must behave exactly as the sources run through tsx do.
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { cdp } from "../../../test/support/cli";
import { bundleIsFresh } from "../scripts/cli-bundle.mjs";

const crm = fileURLToPath(new URL("../../core/test/fixtures/oracle/crm.sql", import.meta.url));
const fromSources = { CDP_CLI_FROM: "sources" };

describe("cdp from its bundle", () => {
  test("the test run built the bundle, so cdp runs it", () => {
    expect(bundleIsFresh()).toBe(true);
  });

  test("the bundle and the sources print the same usage, errors and exit codes", async () => {
    const cases = [[], ["frobnicate"], ["ingest", "--help"], ["runs", "--bogus"]];
    const runs = await Promise.all(
      cases.map((args) => Promise.all([cdp(args), cdp(args, fromSources)])),
    );
    for (const [i, [bundled, sources]] of runs.entries()) {
      expect(bundled, cases[i]!.join(" ")).toEqual(sources);
    }
    expect(runs[0]![0].code).toBe(2);
    expect(runs[0]![0].stdout).toMatch(/^Usage: cdp <command>/);
  });

  test("a command gives the same output from the bundle and from the sources", async () => {
    const args = ["sct", "convert", crm, "--target", "postgres"];
    const [bundled, sources] = await Promise.all([cdp(args), cdp(args, fromSources)]);
    expect(bundled.code).toBe(0);
    expect(bundled.stdout).toContain("create table crm.order_items (");
    expect(bundled).toEqual(sources);
  });
});
