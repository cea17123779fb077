// What a tab that is not signed in sees: locally, how to get the console's URL; deployed, the
// state of the Cognito sign-in. Never a blank page.
import { type ReactNode, useState } from "react";
import { Button, Kbd, Spinner } from "../../components/ui";
import { type AuthState, authMode, setToken, signIn, signOut } from "../../lib/auth";

type SignedOut = Exclude<AuthState, { kind: "ok" }>;

export function SignInPage({ auth }: { auth: SignedOut }) {
  return authMode === "cognito" ? <CognitoSignIn auth={auth} /> : <TokenSignIn auth={auth} />;
}

function Card({ children }: { children: ReactNode }) {
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

function CognitoSignIn({ auth }: { auth: SignedOut }) {
  if (auth.kind === "signing-in") {
    return (
      <Card>
        <p role="status" className="flex items-center gap-2 text-zinc-600">
          <Spinner /> Signing in…
        </p>
      </Card>
    );
  }
  const copy: Record<Exclude<SignedOut["kind"], "signing-in">, [string, ReactNode]> = {
    missing: [
      "Sign in to the console",
      "Operators sign in with the account an administrator created for them.",
    ],
    "signed-out": ["Signed out", "You have signed out of the console in this browser."],
    expired: ["Your session has ended", "Sign in again to carry on where you were."],
    rejected: [
      "The API did not accept this sign-in",
      <>
        It answered <Kbd>401</Kbd>. Sign in again; if that does not help, ask an administrator
        whether your account is still enabled in the user pool.
      </>,
    ],
    failed: ["Sign-in did not complete", auth.kind === "failed" ? auth.message : ""],
  };
  const [title, text] = copy[auth.kind];
  return (
    <Card>
      <h1 className="text-[15px] font-semibold text-zinc-900">{title}</h1>
      <p className="mt-2 text-zinc-600" role={auth.kind === "failed" ? "alert" : undefined}>
        {text}
      </p>
      <div className="mt-5 flex gap-2 border-t border-zinc-100 pt-4">
        <Button variant="primary" onClick={() => void signIn()}>
          {auth.kind === "missing" ? "Sign in" : "Sign in again"}
        </Button>
        {auth.kind === "rejected" ? <Button onClick={signOut}>Sign out</Button> : null}
      </div>
    </Card>
  );
}

function TokenSignIn({ auth }: { auth: SignedOut }) {
  const rejected = auth.kind === "rejected";
  const [value, setValue] = useState("");
  return (
    <Card>
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
    </Card>
  );
}
