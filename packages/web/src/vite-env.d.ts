/// <reference types="vite/client" />

// Set by the deployed build (infra/console.ts); absent locally, where the API serves the console.
interface ImportMetaEnv {
  /** The API's origin (API Gateway), e.g. https://abc123.execute-api.eu-west-1.amazonaws.com */
  readonly VITE_API_URL?: string;
  /** The Cognito hosted UI, e.g. https://cdp-prod-123456789012.auth.eu-west-1.amazoncognito.com */
  readonly VITE_COGNITO_DOMAIN?: string;
  /** The user-pool client of the console (public: authorization code + PKCE, no secret). */
  readonly VITE_COGNITO_CLIENT_ID?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
