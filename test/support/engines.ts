// Warehouse and ops-store tests run against both engines: embedded PGlite and a real PostgreSQL.
import { inject } from "vitest";
import { type OpsStore, openOps } from "../../packages/core/src/ops/db";
import { openPglite, pgliteWarehouse } from "../../packages/core/src/warehouse/pglite";
import { postgresWarehouse } from "../../packages/core/src/warehouse/postgres";
import type { Warehouse } from "../../packages/core/src/warehouse/warehouse";
import { createDatabase } from "./postgres";

/** The throwaway server the global setup started (vitest's ProvidedContext can't be augmented here). */
export function pgServerUrl(): string {
  return (inject as (key: string) => unknown)("pgUrl") as string;
}

export type EngineName = "pglite" | "postgres";
export const engineNames: EngineName[] = ["pglite", "postgres"];

export async function makeWarehouse(engine: EngineName): Promise<Warehouse> {
  if (engine === "pglite") return pgliteWarehouse(await openPglite());
  return postgresWarehouse(await createDatabase(pgServerUrl()));
}

export async function makeOps(engine: EngineName): Promise<OpsStore> {
  if (engine === "pglite") return openOps({ pglite: await openPglite() });
  return openOps({ url: await createDatabase(pgServerUrl()) });
}
