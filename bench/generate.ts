// Writes a generated customer export to a file, streaming (flat memory at any size).

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { type CustomerFileOptions, customerCsv } from "../packages/functions/src/local/sample-data";

export async function writeCustomerFile(path: string, opts: CustomerFileOptions): Promise<void> {
  const w = createWriteStream(path);
  let buf = "";
  for (const line of customerCsv(opts)) {
    buf += line;
    if (buf.length > 1 << 20) {
      if (!w.write(buf)) await once(w, "drain");
      buf = "";
    }
  }
  w.end(buf);
  await once(w, "finish");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, rows, delta] = process.argv.slice(2);
  await writeCustomerFile(out!, {
    rows: Number(rows),
    badShare: 0.01,
    seed: 7,
    spendDelta: Number(delta ?? 0),
  });
}
