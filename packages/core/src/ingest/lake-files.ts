// Where a source file goes: processed/ when it was ingested, error/ (with the reason beside it)
// when it could not be; never over another file.
import type { ObjectStore } from "../lake/lake";
import { errorMessage } from "../util/error";
import { destinationKey, withRunId } from "./naming";

/** Move a source file, never over another file: a taken name gets the run id. */
export async function moveSource(
  lake: ObjectStore,
  from: string,
  to: string,
  runId: string,
): Promise<string> {
  if (from === to) return to;
  const target = (await lake.exists(to)) ? withRunId(to, runId) : to;
  await lake.move(from, target);
  return target;
}

/** The file cannot be loaded: it moves to error/<table>/ with the reason in a file beside it. */
export async function rejectFile(
  lake: ObjectStore,
  f: { runId: string; sourceKey: string; table: string; reason: string },
): Promise<string> {
  const errorKey = await moveSource(
    lake,
    f.sourceKey,
    destinationKey("error", f.table, f.sourceKey),
    f.runId,
  );
  try {
    await lake.put(
      `${errorKey}.reason.txt`,
      `${f.reason}\n\nrun: ${f.runId}\nsource: ${f.sourceKey}\ntable: ${f.table}\nat: ${new Date().toISOString()}\n`,
    );
  } catch (err) {
    // The file has moved: its new key must reach the run (a retry takes it from there), whatever
    // became of the reason beside it (a full disk). The run's error holds the reason anyway.
    console.error(`${errorKey}: the reason file could not be written: ${errorMessage(err)}`);
  }
  return errorKey;
}

/** The file was ingested (wholly or with its bad rows quarantined): it moves to processed/. */
export function moveToProcessed(
  lake: ObjectStore,
  f: { runId: string; sourceKey: string; table: string },
): Promise<string> {
  return moveSource(lake, f.sourceKey, destinationKey("processed", f.table, f.sourceKey), f.runId);
}
