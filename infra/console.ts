// The operator console on AWS: the Hono API on Lambda behind an API Gateway HTTP API whose JWT
// authorizer trusts a Cognito user pool of operators, and the React app on S3/CloudFront signing
// in through the pool's hosted UI (authorization code + PKCE).
import { lakeHealthCheckStatements } from "../packages/core/src/lake/iam";
import { alerts, metrics } from "./alerts";
import { cdcJob, cdcMachine } from "./cdc";
import { afterMigration, opsStore } from "./database";
import { account, grants, linkable, region } from "./iam";
import { ingestJob, ingestMachine } from "./ingest";
import { segmentMachine } from "./ml";
import { syncMachine } from "./salesforce";
import { stageSettings } from "./stage";
import { bucket } from "./storage";
import { warehouse } from "./warehouse";

// The app is served through a Router so its URL exists before the app is built: the pool client
// needs that URL as its callback, and the build needs the client's id (a StaticSite with its own
// distribution would make the two wait on each other).
export const router = new sst.aws.Router("ConsoleRouter");
export const siteUrl = router.url;

/** Where the hosted UI returns after sign-in and sign-out (the console's /auth/callback). */
const callbackUrls = [
  $interpolate`${siteUrl}/auth/callback`,
  // `sst dev` serves the console from Vite.
  ...($dev ? ["http://localhost:5173/auth/callback"] : []),
];

// A hosted-UI prefix is unique per region across every AWS account: stage and account make it so.
const domainPrefix = account.apply(
  (id) => `cdp-${$app.stage.toLowerCase().replace(/[^a-z0-9-]/g, "-")}-${id}`,
);

// Operators are created by an administrator (`aws cognito-idp admin-create-user`); nobody signs
// up. SST's component has no switch for that, so it is set on the pool itself.
export const userPool = new sst.aws.CognitoUserPool("ConsoleOperators", {
  usernames: ["email"],
  domain: { prefix: domainPrefix },
  transform: {
    userPool: (args) => {
      args.adminCreateUserConfig = { allowAdminCreateUserOnly: true };
      args.deletionProtection = stageSettings($app.stage).protect ? "ACTIVE" : "INACTIVE";
    },
  },
});

// The console's client: public (no secret; a browser cannot keep one), code grant only, with PKCE
// (Cognito requires the verifier whenever the authorize request carried a challenge).
export const userPoolClient = userPool.addClient("ConsoleWeb", {
  callbackUrls,
  transform: {
    client: (args) => {
      args.generateSecret = false;
      args.allowedOauthFlows = ["code"];
      args.allowedOauthScopes = ["openid", "email", "profile"];
      args.logoutUrls = callbackUrls;
      args.explicitAuthFlows = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"];
      args.preventUserExistenceErrors = "ENABLED";
      args.enableTokenRevocation = true;
      // An hour per token, refreshed quietly; a working day before signing in again.
      args.idTokenValidity = 60;
      args.accessTokenValidity = 60;
      args.refreshTokenValidity = 12;
      args.tokenValidityUnits = {
        idToken: "minutes",
        accessToken: "minutes",
        refreshToken: "hours",
      };
    },
  },
});

// The API handler: one function behind every route. API Gateway gives up on an integration after
// 30 s; a bulk retry may take longer, so the function outlives the gateway and finishes its work
// (the console says so and the audit log shows what happened).
/**
 * The lake as the console uses it (Resource.ConsoleLake): its health check lists health/, and
 * that is all; not `link: [bucket]`, which grants s3:* on the whole bucket.
 */
const consoleLake = linkable(
  "ConsoleLake",
  { name: bucket.name },
  grants(lakeHealthCheckStatements, { bucketArn: bucket.arn }),
);

export const apiFunction = new sst.aws.Function(
  "ConsoleApi",
  {
    handler: "packages/functions/src/handlers/api.handler",
    timeout: "5 minutes",
    // What the AWS platform reads (packages/functions/src/aws/platform.ts): the lake, the
    // warehouse, the ops store, the runs it lists and retries, where alerts and metrics go.
    link: [
      consoleLake,
      warehouse,
      opsStore,
      ingestMachine,
      ingestJob,
      cdcMachine,
      cdcJob,
      segmentMachine,
      syncMachine,
      alerts,
      metrics,
    ],
  },
  afterMigration,
);

export const api = new sst.aws.ApiGatewayV2("ConsoleHttpApi", {
  cors: {
    allowOrigins: [siteUrl, ...($dev ? ["http://localhost:5173"] : [])],
    allowHeaders: ["authorization", "content-type"],
    allowMethods: ["GET", "POST"],
    maxAge: "1 day",
  },
});

const operators = api.addAuthorizer({
  name: "Operators",
  jwt: {
    issuer: $interpolate`https://cognito-idp.${region}.amazonaws.com/${userPool.id}`,
    // The console sends the id token, whose `aud` is the client (its email names the actor).
    audiences: [userPoolClient.id],
  },
});

// Health stays open for load balancers and the console's light; everything else needs a signed-in
// operator. The API has GET and POST routes only.
api.route("GET /api/health", apiFunction.arn);
for (const method of ["GET", "POST"]) {
  api.route(`${method} /api/{proxy+}`, apiFunction.arn, {
    auth: { jwt: { authorizer: operators.id } },
  });
}

export const site = new sst.aws.StaticSite("Console", {
  path: "packages/web",
  router: { instance: router },
  build: { command: "npm run build", output: "dist" },
  environment: {
    VITE_API_URL: api.url,
    // Set: the pool has a hosted-UI domain (above).
    VITE_COGNITO_DOMAIN: userPool.domainUrl!,
    VITE_COGNITO_CLIENT_ID: userPoolClient.id,
  },
});
