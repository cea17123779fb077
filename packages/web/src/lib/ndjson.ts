// Newline-delimited JSON read as it arrives. A streamed response yields each line as soon as its
// newline lands; a buffered one (API Gateway buffers Lambda responses) yields them all at once at
// the end. Callers cannot tell the difference, which is the point.

/** Each JSON value of an NDJSON byte stream, in order; a last line without a newline counts. */
export async function* ndjsonLines(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<unknown, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffered += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) yield parseLine(line);
        newline = buffered.indexOf("\n");
      }
      if (done) break;
    }
    const rest = buffered.trim();
    if (rest) yield parseLine(rest);
  } finally {
    reader.releaseLock();
  }
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`the server sent a line that is not JSON: ${line.slice(0, 120)}`);
  }
}
