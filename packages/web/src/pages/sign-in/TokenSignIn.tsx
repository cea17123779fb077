// Locally: how to open the console from the URL the server prints, or paste its token.
import { useState } from "react";
import { Button, Kbd } from "../../components/ui";
import { setToken } from "../../lib/auth";
import type { SignedOut } from "./CognitoSignIn";
import { SignInCard } from "./SignInCard";

export function TokenSignIn({ auth }: { auth: SignedOut }) {
  const rejected = auth.kind === "rejected";
  const [value, setValue] = useState("");
  return (
    <SignInCard>
      <h1 className="text-[15px] font-semibold text-zinc-900">
        {rejected ? "This token was not accepted" : "Open the console from its URL"}
      </h1>
      {rejected ? (
        <p className="mt-2 text-zinc-600">
          The API answered <Kbd>401</Kbd>. Each data dir has its own token, so a URL from an earlier
          or different <Kbd>cdp start</Kbd> will not work here. Open the URL the running server
          printed.
        </p>
      ) : (
        <p className="mt-2 text-zinc-600">
          The console needs the access token of the server it talks to. It comes in the URL the
          server prints when it starts.
        </p>
      )}
      <ol className="mt-4 list-decimal space-y-2 pl-5 text-zinc-700">
        <li>
          In the repository, run <Kbd>npm start</Kbd> (or <Kbd>cdp start</Kbd>).
        </li>
        <li>
          Open the URL on its <Kbd>Console:</Kbd> line, e.g.
          <pre className="mt-1 overflow-x-auto rounded border border-zinc-200 bg-zinc-50 px-2 py-1 text-[12px] text-zinc-700">
            Console: http://127.0.0.1:3210/?token=…
          </pre>
        </li>
      </ol>
      <p className="mt-3 text-[12px] text-zinc-500">
        The token is kept for this tab only and removed from the address bar. It is also in the data
        dir, in <Kbd>.cdp/token</Kbd>.
      </p>
      <form
        className="mt-5 flex gap-2 border-t border-zinc-100 pt-4"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) setToken(value.trim());
        }}
      >
        <label className="sr-only" htmlFor="token">
          Token
        </label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          placeholder="or paste the token"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          className="h-7 flex-1 rounded-md border border-zinc-300 px-2 text-[12px] placeholder:text-zinc-400"
        />
        <Button type="submit" disabled={!value.trim()}>
          Open
        </Button>
      </form>
    </SignInCard>
  );
}
