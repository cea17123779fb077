// The one card a signed-out tab shows, with the console's mark, whatever the sign-in says.
import type { ReactNode } from "react";

export function SignInCard({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-screen items-start justify-center bg-zinc-50 px-4 pt-[14vh]">
      <div className="w-full max-w-lg rounded-md border border-zinc-200 bg-white p-6 shadow-xs">
        <div className="mb-4 flex items-center gap-2 font-semibold text-zinc-900">
          <span aria-hidden className="grid size-4 place-items-center rounded-[3px] bg-zinc-900">
            <span className="size-1.5 rounded-full bg-zinc-50" />
          </span>
          CDP console
        </div>
        {children}
      </div>
    </div>
  );
}
