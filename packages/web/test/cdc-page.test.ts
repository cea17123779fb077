// The CDC page's pure parts: how a table's lag reads (and what it means on hover), a full load's
// sequence, and how often the page looks again.
import { describe, expect, it } from "vitest";
import { lagLabel, lagTitle, seqLabel } from "../src/pages/cdc/lag";
import { CDC_IDLE_POLL_MS, CDC_PENDING_POLL_MS, cdcPollMs } from "../src/queries/cdcPoll";

describe("CDC lag", () => {
  it("reads as caught up, seconds, minutes, hours and days", () => {
    expect(lagLabel(0)).toBe("caught up");
    expect(lagLabel(42)).toBe("42 s");
    expect(lagLabel(540)).toBe("9 min");
    expect(lagLabel(3 * 3600 + 5 * 60 + 9)).toBe("3 h 5 min");
    expect(lagLabel(7200)).toBe("2 h");
    expect(lagLabel(2 * 86_400 + 4 * 3600)).toBe("2 d 4 h");
    // Nothing applied yet: nothing to measure from.
    expect(lagLabel(null)).toBe("—");
  });

  it("says what it is measured to", () => {
    const last = { seq: "1", commitTs: "2026-11-01T09:11:00Z" };
    expect(
      lagTitle({
        lag: 540,
        filesPending: 2,
        newestPending: { name: "20261101-0920000000.csv" },
        lastChange: last,
      }),
    ).toBe(
      "The newest waiting file, 20261101-0920000000.csv, is 9 min newer than the last applied change's commit time",
    );
    expect(lagTitle({ lag: 0, filesPending: 0, newestPending: null, lastChange: last })).toMatch(
      /^No file is waiting/,
    );
    expect(
      lagTitle({
        lag: null,
        filesPending: 1,
        newestPending: { name: "LOAD00000001.csv" },
        lastChange: null,
      }),
    ).toBe("Nothing applied yet: its files are waiting in dms/");
  });

  it("names a full load's sequence of zeros, and shows a change's as it is", () => {
    expect(seqLabel("0".repeat(35))).toBe("full load");
    expect(seqLabel("20261101090740000000000000000000007")).toBe(
      "20261101090740000000000000000000007",
    );
  });
});

describe("CDC page polling", () => {
  it("looks closely while files wait, gently otherwise", () => {
    expect(cdcPollMs([{ filesPending: 0 }, { filesPending: 3 }])).toBe(CDC_PENDING_POLL_MS);
    expect(cdcPollMs([{ filesPending: 0 }])).toBe(CDC_IDLE_POLL_MS);
    expect(cdcPollMs(undefined)).toBe(CDC_IDLE_POLL_MS);
    expect(CDC_PENDING_POLL_MS).toBeLessThan(CDC_IDLE_POLL_MS);
  });
});
