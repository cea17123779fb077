import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { initAuth } from "./lib/auth";
import { queryClient } from "./queryClient";
import "./styles.css";

// Before anything renders or fetches: the token leaves the address bar, or a Cognito sign-in
// is picked up (or begun).
initAuth();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
