import tailwindcss from "@tailwindcss/vite";
import { defineConfig } from "vite";

// `vite` (dev) proxies the API to a running `cdp start`; `vite build` writes dist/, which the
// local server and CloudFront serve with an SPA fallback.
export default defineConfig({
  plugins: [tailwindcss()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    rolldownOptions: {
      // TanStack Table marks its React hooks "use client"; meaningless in a client-only bundle.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  server: {
    port: 5173,
    proxy: { "/api": { target: "http://127.0.0.1:3210", changeOrigin: false } },
  },
});
