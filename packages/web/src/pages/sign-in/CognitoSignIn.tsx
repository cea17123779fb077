// Deployed: the state of the Cognito sign-in, worded for each way a tab can be signed out.
import type { ReactNode } from "react";
import { Button, Kbd, Spinner } from "../../components/ui";
import { type AuthState, signIn, signOut } from "../../lib/auth";
import { SignInCard } from "./SignInCard";

export type SignedOut = Exclude<AuthState, { kind: "ok" }>;

export function CognitoSignIn({ auth }: { auth: SignedOut }) {
  if (auth.kind === "signing-in") {
    return (
      <SignInCard>
        <p role="status" className="flex items-center gap-2 text-zinc-600">
          <Spinner /> Signing in…
        </p>
      </SignInCard>
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
    <SignInCard>
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
    </SignInCard>
  );
}
