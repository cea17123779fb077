// Reading a DMS file and readying the warehouse for it: the bytes hashed as they pass (gunzipped
// when DMS zipped them), which errors are the file's (it cannot be applied) rather than the
// platform's, and the DDL a file needs, made once a run.
import type { Hash } from "node:crypto";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { errorMessage, VisibleError } from "../util/error";
import type { Warehouse } from "../warehouse/warehouse";

/** The file's bytes, hashed as they pass (the ledger's identity), gunzipped when DMS zipped them. */
export function readHashed(body: AsyncIterable<Buffer>, hash: Hash, gzip: boolean) {
  async function* hashed() {
    for await (const chunk of body) {
      hash.update(chunk);
      yield chunk;
    }
  }
  if (!gzip) return hashed();
  return pipeline(hashed(), createGunzip(), () => {});
}

/** A file-level problem (the file, not the platform): the file cannot be applied. */
export function fileProblem(err: unknown): string | null {
  if (err instanceof VisibleError && err.kind === "input") return err.message;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("Z_")) {
    return `not a gzip file, though its name ends in .gz (${errorMessage(err)})`;
  }
  return null;
}

/**
 * The target schema and the ledger, created when missing. Two runs creating them at once race
 * inside PostgreSQL's catalog (a unique violation on `IF NOT EXISTS`): the loser finds them made.
 */
export async function ensure(wh: Warehouse, statements: string[], done?: Set<string>) {
  for (const sql of statements) {
    if (done?.has(sql)) continue; // made earlier in the run (each costs a catalog lock)
    try {
      await wh.query(sql);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code !== "23505" && code !== "42P06" && code !== "42P07") throw err;
    }
    done?.add(sql);
  }
}
