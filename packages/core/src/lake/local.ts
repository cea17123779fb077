// The lake as a folder: keys are paths below `<data-dir>/lake/`. Writes go to a temp name first
// and are renamed into place, so a reader (the inbox watcher) never sees half a file.
import { createReadStream, createWriteStream } from "node:fs";
import { link, mkdir, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { VisibleError } from "../util/error";
import { withUniqueId } from "../util/unique-key";
import { type Body, checkKey, type ObjectInfo, type ObjectStore } from "./lake";

export function localLake(root: string): ObjectStore & { path(key: string): string } {
  const path = (key: string) => join(root, ...checkKey(key).split("/"));
  /** The body in a temp file beside `key`'s place, for `place` to put where it belongs. */
  async function written<T>(key: string, body: Body, place: (tmp: string) => Promise<T>) {
    const target = path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = join(
      dirname(target),
      `.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    );
    const source = typeof body === "string" || Buffer.isBuffer(body) ? Readable.from([body]) : body;
    try {
      await pipeline(source, createWriteStream(tmp));
      return await place(tmp);
    } finally {
      await rm(tmp, { force: true });
    }
  }
  return {
    path,
    async put(key, body: Body) {
      await written(key, body, (tmp) => rename(tmp, path(key)));
    },
    putNew(key, body: Body) {
      // link() fails when the name is taken, atomically: two writers never get one name.
      return written(key, body, async (tmp) => {
        for (let attempt = 0; ; attempt++) {
          const candidate = attempt === 0 ? key : withUniqueId(key);
          try {
            await link(tmp, path(candidate));
            await unlink(tmp);
            return candidate;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 20) throw err;
          }
        }
      });
    },
    async get(key) {
      const p = path(key);
      try {
        await stat(p);
      } catch {
        throw new VisibleError(
          "not_found",
          "lake.not_found",
          `no object ${key} in the lake (${p})`,
        );
      }
      return createReadStream(p, { highWaterMark: 1 << 20 });
    },
    async exists(key) {
      try {
        return (await stat(path(key))).isFile();
      } catch {
        return false;
      }
    },
    async move(from, to) {
      const target = path(to);
      await mkdir(dirname(target), { recursive: true });
      await rename(path(from), target);
    },
    async delete(key) {
      await rm(path(key), { force: true });
    },
    async list(prefix) {
      const base = join(root, ...prefix.split("/").filter(Boolean));
      const out: ObjectInfo[] = [];
      let entries: string[];
      try {
        entries = await readdir(base, { recursive: true });
      } catch {
        return out;
      }
      for (const rel of entries) {
        const full = join(base, rel);
        const name = rel.split(sep).at(-1) ?? "";
        if (name.startsWith(".")) continue; // temp files and dotfiles are not objects
        const s = await stat(full).catch(() => null);
        if (!s?.isFile()) continue;
        out.push({
          key: relative(root, full).split(sep).join("/"),
          size: s.size,
          modified: s.mtime,
        });
      }
      return out.sort((a, b) => a.key.localeCompare(b.key));
    },
    locate: (key) => path(key),
  };
}
