// One error type the API turns into a 4xx with a stable code; everything else is a 500.
export type ErrorKind =
  | "input"
  | "not_found"
  | "conflict"
  | "auth"
  | "unavailable"
  /** A body over the limit the message names. */
  | "too_large"
  /** Too much already waiting: try again later. */
  | "busy";

export class VisibleError extends Error {
  constructor(
    public readonly kind: ErrorKind,
    public readonly code: string,
    message: string,
    public readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "VisibleError";
  }
}

export function statusOf(kind: ErrorKind): 400 | 401 | 404 | 409 | 413 | 429 | 503 {
  switch (kind) {
    case "input":
      return 400;
    case "auth":
      return 401;
    case "not_found":
      return 404;
    case "conflict":
      return 409;
    case "unavailable":
      return 503;
    case "too_large":
      return 413;
    case "busy":
      return 429;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Did a database write fail on a unique index (PostgreSQL 23505), here or in its cause chain? */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === "23505") return true;
  }
  return false;
}
