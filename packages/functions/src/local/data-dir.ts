// The local data dir: PGlite databases, the lake folder, the API token and the lock file that
// makes one process at a time the owner of its PGlite directories.
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { VisibleError } from "@cdp/core/util/error";
import { pidAlive } from "@cdp/core/util/pid";

export interface DataDir {
  root: string;
  lake: string;
  ops: string;
  warehouse: string;
  tokenFile: string;
  lockFile: string;
  /** Credentials of external systems (Salesforce), NAME=value lines; git-ignored, mode 0600. */
  secretsFile: string;
}

export function resolveDataDir(flag?: string): DataDir {
  const root = resolve(flag ?? process.env.CDP_DATA_DIR ?? ".cdp");
  return {
    root,
    lake: join(root, "lake"),
    ops: join(root, "ops"),
    warehouse: join(root, "warehouse"),
    tokenFile: join(root, "token"),
    lockFile: join(root, "cdp.lock"),
    secretsFile: join(root, "secrets.env"),
  };
}

/** The API token: generated on first use, kept with mode 0600. */
export function ensureToken(dir: DataDir): string {
  // The tree is tightened by whoever opens the data dir (acquireLock); this only needs the folder.
  mkdirSync(dir.root, { recursive: true, mode: 0o700 });
  if (existsSync(dir.tokenFile)) return readFileSync(dir.tokenFile, "utf8").trim();
  const token = randomBytes(24).toString("base64url");
  writeFileSync(dir.tokenFile, `${token}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(dir.tokenFile, 0o600);
  return token;
}

export interface LockHolder {
  pid: number;
  host: string;
  kind: "server" | "cli";
  command: string;
  startedAt: string;
  /** Set when the holder is a server: where its API answers. */
  url?: string;
}

/** The live holder of the lock, or null (a lock left by a dead process is stale). */
export function readLock(dir: DataDir): LockHolder | null {
  let holder: LockHolder;
  try {
    holder = JSON.parse(readFileSync(dir.lockFile, "utf8"));
  } catch {
    return null;
  }
  if (holder.host !== hostname()) return holder;
  return pidAlive(holder.pid) ? holder : null;
}

export interface Lock {
  update(patch: Partial<LockHolder>): void;
  release(): void;
}

/**
 * Everything under the data dir is the owner's alone (0700 folders, 0600 files), whatever the
 * umask: this process creates files owner-only from here on, and what an older version or another
 * umask left readable is tightened. PGlite sets its own files' modes (0666); the platform calls
 * this again once PGlite has opened and after it closes, and the 0700 folders keep other users
 * out in between.
 */
export function makePrivate(dir: DataDir) {
  process.umask(0o077);
  mkdirSync(dir.root, { recursive: true, mode: 0o700 });
  const tighten = (path: string) => {
    // A file another process renames or removes meanwhile (a temp file, a moved source) is skipped.
    const s = lstatSync(path, { throwIfNoEntry: false });
    if (!s || s.isSymbolicLink()) return;
    const want = s.isDirectory() ? 0o700 : 0o600;
    try {
      if ((s.mode & 0o777) !== want) chmodSync(path, want);
      if (s.isDirectory()) for (const name of readdirSync(path)) tighten(join(path, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  };
  tighten(dir.root);
}

/** Take the data dir for this process, or fail naming who has it. */
export function acquireLock(dir: DataDir, kind: LockHolder["kind"], command: string): Lock {
  makePrivate(dir);
  let holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    kind,
    command,
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(dir.lockFile, "wx", 0o600);
      writeFileSync(fd, JSON.stringify(holder));
      closeSync(fd);
      const write = () => writeFileSync(dir.lockFile, JSON.stringify(holder), { mode: 0o600 });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const current = readLockRaw(dir);
        if (current?.pid === process.pid) rmSync(dir.lockFile, { force: true });
      };
      process.once("exit", release);
      return {
        update(patch) {
          holder = { ...holder, ...patch };
          write();
        },
        release,
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const current = readLock(dir);
      if (current) {
        throw new VisibleError(
          "unavailable",
          "datadir.locked",
          `the data dir ${dir.root} is in use by ${current.kind === "server" ? "the server" : "another command"} (pid ${current.pid}: ${current.command}); wait for it or stop it`,
        );
      }
      rmSync(dir.lockFile, { force: true }); // stale: its process is gone
    }
  }
  throw new VisibleError("unavailable", "datadir.locked", `could not lock ${dir.root}`);
}

function readLockRaw(dir: DataDir): LockHolder | null {
  try {
    return JSON.parse(readFileSync(dir.lockFile, "utf8"));
  } catch {
    return null;
  }
}
