// The operator console: the Hono API on a Lambda function URL and the React app on S3/CloudFront.
import { bucket } from "./storage";

export const api = new sst.aws.Function("ConsoleApi", {
  handler: "packages/functions/src/handlers/api.handler",
  url: true,
  link: [bucket],
});

export const site = new sst.aws.StaticSite("Console", {
  path: "packages/web",
  build: { command: "npm run build", output: "dist" },
  environment: { VITE_API_URL: api.url },
});
