// Process liveness, kept apart from the runner so that code that only checks a lock (the `cdp`
// command's start) does not load the runner and the ops store with it.

/** Is the process with this id (on this host) still alive? */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
