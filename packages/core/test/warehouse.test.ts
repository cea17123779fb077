import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engineNames, makeWarehouse } from "../../../test/support/engines";
import { describeTable, type Warehouse } from "../src/warehouse/warehouse";

async function* chunks(...parts: string[]) {
  for (const p of parts) yield Buffer.from(p);
}

describe.each(engineNames)("warehouse on %s", (engine) => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await makeWarehouse(engine);
  });
  afterAll(() => wh.close());

  test("loads CSV chunks with COPY, keeping quoted newlines and telling NULL from empty", async () => {
    await wh.query(`create table t (n bigint, s text)`);
    await wh.copyCsv(`"t"`, [`"n"`, `"s"`], chunks(`1,"a,""b""\nc"\n2,\n`, `3,""\n`));
    const rows = await wh.query<{ n: string; s: string | null }>(
      `select n::text, s from t order by n`,
    );
    expect(rows).toEqual([
      { n: "1", s: 'a,"b"\nc' },
      { n: "2", s: null },
      { n: "3", s: "" },
    ]);
    expect(await describeTable(wh, "public", "t")).toEqual([
      { name: "n", type: "bigint" },
      { name: "s", type: "text" },
    ]);
    expect(await describeTable(wh, "public", "missing")).toBeNull();
  });

  test("a COPY that fails, or whose source throws, reports it and leaves the warehouse usable", async () => {
    await wh.query(`create table v (n bigint, s text)`);
    await expect(wh.copyCsv(`"v"`, [`"n"`, `"s"`], chunks("1,a\n", "x,b\n"))).rejects.toThrow(
      /invalid input syntax for type bigint/,
    );
    async function* throwing() {
      yield Buffer.from("2,b\n");
      throw new Error("the file turned out not to be UTF-8");
    }
    await expect(wh.copyCsv(`"v"`, [`"n"`, `"s"`], throwing())).rejects.toThrow(/not to be UTF-8/);
    // every connection still works
    const counts = await Promise.all(
      Array.from({ length: 6 }, () => wh.query<{ ok: number }>("select 1 as ok")),
    );
    expect(counts.flat()).toHaveLength(6);
    await wh.copyCsv(`"v"`, [`"n"`, `"s"`], chunks("3,c\n", "4,d\n", "5,e\n"));
    expect(await wh.query(`select n::int from v where n >= 3 order by n`)).toEqual([
      { n: 3 },
      { n: 4 },
      { n: 5 },
    ]);
  });

  test("a failing transaction leaves nothing behind", async () => {
    await wh.query(`create table u (n int primary key)`);
    await expect(
      wh.transaction(async (tx) => {
        await tx.query(`insert into u values (1)`);
        await tx.query(`insert into u values (1)`);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await wh.query(`select * from u`)).toEqual([]);
  });
});
