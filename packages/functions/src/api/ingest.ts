// Ingest a file sent in the request body: it lands in the lake's inbox and is ingested as a run.
import { checkTable, safeFileName, tableFromFileName } from "@cdp/core/ingest/naming";
import { ingest } from "@cdp/core/ingest/pipeline";
import { viewRun } from "@cdp/core/pipelines";
import { VisibleError } from "@cdp/core/util/error";
import { normalizeName } from "@cdp/core/warehouse/ident";
import { Hono } from "hono";
import { z } from "zod";
import type { ApiEnv } from "./env";
import { validate } from "./validate";

/** The largest upload accepted (CDP_MAX_UPLOAD_MB, default 2048 MB). */
export function maxUploadBytes(env = process.env): number {
  const mb = Number(env.CDP_MAX_UPLOAD_MB);
  return (Number.isFinite(mb) && mb > 0 ? mb : 2048) * 1024 * 1024;
}

const tooLarge = (limit: number) =>
  new VisibleError(
    "too_large",
    "ingest.too_large",
    `the file is larger than the upload limit of ${limit / 1024 / 1024} MB (CDP_MAX_UPLOAD_MB)`,
  );

/** The body as a stream that fails once more than `limit` bytes have come (nothing is kept). */
async function* capped(body: ReadableStream<Uint8Array>, limit: number) {
  let seen = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    seen += chunk.byteLength;
    if (seen > limit) throw tooLarge(limit);
    yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

const Query = z.object({
  name: z.string().min(1).max(255),
  table: z.string().optional(),
  key: z.string().optional(),
  wait: z.string().optional(),
});

export const ingestRoutes = new Hono<ApiEnv>().post("/", validate("query", Query), async (c) => {
  const { starter, lake } = c.var.platform;
  if (!starter.startable)
    throw new VisibleError(
      "input",
      "ingest.not_local",
      "deployed, files are ingested by dropping them into the lake's inbox/",
    );
  const q = c.req.valid("query");
  const given = q.name.split(/[\\/]/).at(-1)!;
  if (!given || given.startsWith("."))
    throw new VisibleError("input", "ingest.bad_name", `"${q.name}" is not a usable file name`);
  const name = safeFileName(given);
  const table = q.table ? checkTable(normalizeName(q.table), q.table) : tableFromFileName(name);
  const body = c.req.raw.body;
  if (!body)
    throw new VisibleError("input", "ingest.no_body", "send the file's bytes as the request body");
  const limit = maxUploadBytes();
  if (Number(c.req.header("content-length") ?? 0) > limit) throw tooLarge(limit);
  // Its own key, by exclusive create: two uploads of one name never overwrite each other.
  const sourceKey = await lake.putNew(`inbox/${table}/${name}`, capped(body, limit));
  const run = await starter.start(ingest.name, {
    sourceKey,
    table,
    ...(q.key ? { key: q.key } : {}),
  });
  return c.json({ run: viewRun(q.wait === "true" ? await starter.wait(run.id) : run) }, 201);
});
