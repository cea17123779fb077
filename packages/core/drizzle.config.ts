import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/ops/schema.ts",
  out: "./migrations",
});
