// The secrets port: named secret values, wherever a runtime keeps them. Locally the environment,
// then the data dir's git-ignored `secrets.env`; deployed, Secrets Manager (an adapter that reads
// one secret's JSON keys plugs in here). Domain code asks by name and never reads process.env.
import { readFile } from "node:fs/promises";

export interface Secrets {
  /** The value, or undefined when this source does not have it (an empty value counts as unset). */
  get(name: string): Promise<string | undefined>;
  /** Where the values come from, for messages ("the environment", a file's path). */
  readonly describe: string;
}

export function envSecrets(env: NodeJS.ProcessEnv = process.env): Secrets {
  return {
    describe: "the environment",
    async get(name) {
      const v = env[name];
      return v === undefined || v === "" ? undefined : v;
    },
  };
}

/**
 * A dotenv-style file: `NAME=value` lines, `#` comments, optional `export `, values optionally in
 * single or double quotes (double-quoted values know \n and \"). A missing file has no values.
 * Read on every `get`, so an edit takes effect without a restart.
 */
export function fileSecrets(path: string): Secrets {
  return {
    describe: path,
    async get(name) {
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
      const v = parseDotenv(text)[name];
      return v === undefined || v === "" ? undefined : v;
    },
  };
}

/** The first source that has a value wins (the environment before the file). */
export function layeredSecrets(...sources: Secrets[]): Secrets {
  return {
    describe: sources.map((s) => s.describe).join(", then "),
    async get(name) {
      for (const s of sources) {
        const v = await s.get(name);
        if (v !== undefined) return v;
      }
      return undefined;
    },
  };
}

export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = line.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/);
    if (!m) continue;
    let v = m[2]!;
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) {
      v = v.slice(1, -1).replace(/\\n/g, "\n").replace(/\\"/g, '"');
    } else if (v.startsWith("'") && v.endsWith("'") && v.length >= 2) {
      v = v.slice(1, -1);
    } else {
      v = v.replace(/\s+#.*$/, "").trim();
    }
    out[m[1]!] = v;
  }
  return out;
}
