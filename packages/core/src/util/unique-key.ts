// A lake key made unique: `inbox/t/x.csv` → `inbox/t/x.<ulid>.csv` (ULIDs sort by time).
import { posix } from "node:path";
import { ulid } from "ulid";

export function withUniqueId(key: string): string {
  const ext = posix.extname(key);
  return `${key.slice(0, key.length - ext.length)}.${ulid().toLowerCase()}${ext}`;
}
