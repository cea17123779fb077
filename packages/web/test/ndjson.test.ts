// A bulk retry's answer read line by line, whether it streams in pieces or arrives in one go
// (API Gateway buffers it), and the running view the dialog shows.
import { describe, expect, it } from "vitest";
import {
  addProgress,
  groupByCode,
  isDoneLine,
  isProgressLine,
  noProgress,
  type ProgressLine,
  RECENT,
} from "../src/lib/bulkRetry";
import { ndjsonLines } from "../src/lib/ndjson";

function streamOf(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === "string" ? encoder.encode(c) : c);
      controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>) {
  const out: unknown[] = [];
  for await (const line of ndjsonLines(body)) out.push(line);
  return out;
}

const progress = (n: number, id: string): ProgressLine => ({
  type: "progress",
  processed: n,
  retried: n,
  skipped: 0,
  failed: 0,
  last: { id, outcome: "retried", retryId: `${id}_r`, reason: null },
});

describe("NDJSON", () => {
  it("yields each line once its newline arrives, across chunk boundaries", async () => {
    const text = `${JSON.stringify(progress(1, "a"))}\n${JSON.stringify(progress(2, "b"))}\n{"type":"done"}\n`;
    const pieces = [text.slice(0, 7), text.slice(7, 60), text.slice(60, 61), text.slice(61)];
    expect(await collect(streamOf(pieces))).toEqual([
      progress(1, "a"),
      progress(2, "b"),
      { type: "done" },
    ]);
  });

  it("reads a buffered answer (one chunk) the same way, last line without a newline too", async () => {
    expect(await collect(streamOf(['{"a":1}\n\n{"b":2}\r\n{"c":3}']))).toEqual([
      { a: 1 },
      { b: 2 },
      { c: 3 },
    ]);
  });

  it("keeps a multi-byte character split between chunks whole", async () => {
    const bytes = new TextEncoder().encode('{"reason":"déjà"}\n');
    const at = bytes.indexOf(0xc3) + 1;
    expect(await collect(streamOf([bytes.slice(0, at), bytes.slice(at)]))).toEqual([
      { reason: "déjà" },
    ]);
  });

  it("says so when a line is not JSON (a proxy's error page)", async () => {
    await expect(collect(streamOf(["<html>502</html>\n"]))).rejects.toThrow(/not JSON/);
  });
});

describe("bulk retry progress", () => {
  it("keeps the latest totals and the newest outcomes first", () => {
    let state = noProgress;
    for (let i = 1; i <= RECENT + 2; i++) state = addProgress(state, progress(i, `run_${i}`));
    expect(state.processed).toBe(RECENT + 2);
    expect(state.recent).toHaveLength(RECENT);
    expect(state.recent[0]?.id).toBe(`run_${RECENT + 2}`);
  });

  it("tells lines apart and groups skips by why", () => {
    expect(isProgressLine(progress(1, "a"))).toBe(true);
    expect(isDoneLine({ type: "done" })).toBe(true);
    expect(isDoneLine(null)).toBe(false);
    expect(
      groupByCode([
        { id: "a", code: "run.already_retried", reason: "already retried as b" },
        { id: "c", code: "run.not_failed", reason: "it is still going" },
        { id: "d", code: "run.already_retried", reason: "already retried as e" },
      ]).map((g) => [g.code, g.problems.map((p) => p.id)]),
    ).toEqual([
      ["run.already_retried", ["a", "d"]],
      ["run.not_failed", ["c"]],
    ]);
  });
});
