// A local platform on a temp data dir, with the ops store and warehouse on the chosen engine.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApi } from "../../packages/functions/src/api";
import { resolveDataDir } from "../../packages/functions/src/local/data-dir";
import { type LocalPlatform, openLocalPlatform } from "../../packages/functions/src/local/platform";
import type { EngineName } from "./engines";
import { pgServerUrl } from "./engines";
import { createDatabase } from "./postgres";

export interface TestPlatform {
  platform: LocalPlatform;
  token: string;
  api: ReturnType<typeof createApi>;
  /** app.request with the bearer token set. */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function makePlatform(engine: EngineName): Promise<TestPlatform> {
  const root = mkdtempSync(join(tmpdir(), "cdp-test-"));
  const dir = resolveDataDir(root);
  const config =
    engine === "postgres"
      ? {
          opsUrl: await createDatabase(pgServerUrl()),
          warehouseUrl: await createDatabase(pgServerUrl()),
        }
      : {};
  const platform = await openLocalPlatform(dir, config);
  const token = "test-token";
  const api = createApi(platform, { kind: "token", token });
  return {
    platform,
    token,
    api,
    request: (path, init = {}) =>
      Promise.resolve(
        api.request(path, {
          ...init,
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            ...init.headers,
          },
        }),
      ),
    async close() {
      await platform.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
