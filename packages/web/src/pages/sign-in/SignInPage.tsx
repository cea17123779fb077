// What a tab that is not signed in sees: locally, how to get the console's URL; deployed, the
// state of the Cognito sign-in. Never a blank page.
import { authMode } from "../../lib/auth";
import { CognitoSignIn, type SignedOut } from "./CognitoSignIn";
import { TokenSignIn } from "./TokenSignIn";

export function SignInPage({ auth }: { auth: SignedOut }) {
  return authMode === "cognito" ? <CognitoSignIn auth={auth} /> : <TokenSignIn auth={auth} />;
}
