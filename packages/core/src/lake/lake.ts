// The object-store port: the data lake's keys (`inbox/…`, `processed/…`, `error/…`, `dms/…`, `ml/…`)
// in S3 when deployed, in `<data-dir>/lake/` locally.
import type { Readable } from "node:stream";

export interface ObjectInfo {
  key: string;
  size: number;
  modified: Date;
}

export type Body = string | Buffer | Readable | AsyncIterable<Buffer>;

export interface ObjectStore {
  put(key: string, body: Body): Promise<void>;
  /**
   * Write a new object, never over another: under `key` when no object has it, else under `key`
   * with a unique id before its extension (x.csv → x.<id>.csv). Returns the key written.
   */
  putNew(key: string, body: Body): Promise<string>;
  /** Throws VisibleError not_found when missing. */
  get(key: string): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  move(from: string, to: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every object under a prefix, at any depth. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Where an operator finds the object (a path locally, an s3:// URL deployed). */
  locate(key: string): string;
}

export const Prefix = {
  inbox: "inbox/",
  processed: "processed/",
  error: "error/",
  dms: "dms/",
  ml: "ml/",
} as const;

/** Is this a lake key: relative, `/`-separated, no `.` or `..`, no empty parts? */
export function isValidKey(key: string): boolean {
  return !!key && !key.split("/").some((p) => p === "" || p === "." || p === "..");
}

/** Validates a lake key: relative, `/`-separated, no `..`, no empty parts. */
export function checkKey(key: string): string {
  if (!isValidKey(key)) throw new Error(`not a valid lake key: ${JSON.stringify(key)}`);
  return key;
}
