// Ingest a file sent in the request body: it lands in the lake's inbox and is ingested as a run.
import { Readable } from "node:stream";
import { checkTable, tableFromFileName } from "@cdp/core/ingest/naming";
import { ingest } from "@cdp/core/ingest/pipeline";
import { viewRun } from "@cdp/core/pipelines";
import { VisibleError } from "@cdp/core/util/error";
import { normalizeName } from "@cdp/core/warehouse/ident";
import { Hono } from "hono";
import { z } from "zod";
import type { ApiEnv } from "./env";
import { validate } from "./validate";

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
  const name = q.name.split(/[\\/]/).at(-1)!;
  if (!name || name.startsWith("."))
    throw new VisibleError("input", "ingest.bad_name", `"${q.name}" is not a usable file name`);
  const table = q.table ? checkTable(normalizeName(q.table), q.table) : tableFromFileName(name);
  const body = c.req.raw.body;
  if (!body)
    throw new VisibleError("input", "ingest.no_body", "send the file's bytes as the request body");
  let sourceKey = `inbox/${table}/${name}`;
  if (await lake.exists(sourceKey)) sourceKey = `inbox/${table}/${Date.now()}-${name}`;
  await lake.put(
    sourceKey,
    Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>),
  );
  const run = await starter.start(ingest.name, {
    sourceKey,
    table,
    ...(q.key ? { key: q.key } : {}),
  });
  return c.json({ run: viewRun(q.wait === "true" ? await starter.wait(run.id) : run) }, 201);
});
