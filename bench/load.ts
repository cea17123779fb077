// A load generator in its own process: `GET url` with a bearer token, either at a fixed rate
// (open loop: requests start on schedule whatever the latency) or as fast as `concurrency`
// connections allow. Prints one JSON line: {requests, errors, seconds, rps, p50, p90, p99, max}.
import http from "node:http";

const [url, token, mode, arg, seconds] = process.argv.slice(2) as [
  string,
  string,
  "rate" | "max",
  string,
  string,
];
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const latencies: number[] = [];
let errors = 0;

function get(): Promise<void> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode === 200) latencies.push(performance.now() - t0);
        else errors++;
        resolve();
      });
    });
    req.on("error", () => {
      errors++;
      resolve();
    });
  });
}

const duration = Number(seconds) * 1000;
const start = performance.now();
const pending: Promise<void>[] = [];
if (mode === "rate") {
  const interval = 1000 / Number(arg);
  let sent = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now() - start;
      if (now >= duration) return done();
      while (sent * interval <= now) {
        pending.push(get());
        sent++;
      }
      setTimeout(tick, 1);
    };
    tick();
  });
} else {
  const worker = async () => {
    while (performance.now() - start < duration) await get();
  };
  pending.push(...Array.from({ length: Number(arg) }, worker));
}
await Promise.all(pending);
const elapsed = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const q = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
console.log(
  JSON.stringify({
    requests: latencies.length,
    errors,
    seconds: elapsed,
    rps: latencies.length / elapsed,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    max: latencies.at(-1) ?? NaN,
  }),
);
agent.destroy();
