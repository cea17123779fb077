// What must change before a failed ingest can succeed, said where the failure is known (the
// executors pass it with the run's outcome): a retry of these repeats the same file and fails the
// same way until it changes (run/failure.ts).
import { needsFix } from "../run/failure";

/** The file cannot be read or staged: no key column, not UTF-8, empty, an unusable header. */
export const fileNeedsFix = needsFix(
  "correct the file (or its table's key: --key, or rules.ts) and drop it into inbox/ again",
);

/** More rows failed the quality rules than the table allows. */
export const thresholdNeedsFix = (table: string) =>
  needsFix(`fix the rejected rows in the file, or raise rejectThreshold for ${table} in rules.ts`);

/** The file a retry would read is gone. */
export const missingFileNeedsFix = needsFix("put the source file back into the lake (inbox/)");
