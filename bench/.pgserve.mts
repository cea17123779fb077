import { startPostgres } from "/work/main/test/support/postgres.ts";
const s = await startPostgres();
console.log(s.url);
process.on("SIGTERM", async () => { await s.stop(); process.exit(0); });
setInterval(() => {}, 1 << 30);
