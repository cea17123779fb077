import type { Platform } from "@cdp/core/platform";

export interface ApiEnv {
  Variables: {
    platform: Platform;
    /** Who is acting: "local" for the token holder; the signed-in user when deployed. */
    actor: string;
    requestId: string;
    /** Whether the caller showed who it is (only /api/health answers anyone). */
    authed: boolean;
  };
}
