/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundle (an esbuild alias in
 * `lib/defaults.ts`). Lambda always hands the function role's credentials to the process as
 * environment variables, so the default chain's other sources (SSO, INI files, IMDS, web
 * identity, with the nested STS/SSO clients they pull in) are dead weight: about a third of
 * the bundle and of its import time.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** The SDK clients' default credential provider, reduced to the environment. */
export const defaultProvider = (): ReturnType<typeof fromEnv> => fromEnv();
