// The console API on Lambda: the same Hono app `cdp start` serves, behind API Gateway, whose JWT
// authorizer has already checked the caller. The platform is made once per container.
import { handle } from "hono/aws-lambda";
import { createApi } from "../api";
import { awsPlatform } from "../aws/platform";

export const handler = handle(createApi(awsPlatform(), { kind: "gateway" }));
