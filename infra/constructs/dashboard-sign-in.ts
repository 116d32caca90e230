import { createHash } from 'node:crypto';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';

/** How the dashboard signs in (dashboard/src/config.ts): served to it as /dashboard/config.json. */
export type DashboardConfig =
  | { mode: 'local'; apiUrl: string }
  | { mode: 'cognito'; authority: string; clientId: string; redirectUri: string; apiUrl: string };

export interface DashboardSignIn {
  client: cognito.UserPoolClient;
  domain: cognito.UserPoolDomain;
  config: DashboardConfig;
}

/**
 * The user pool's managed login for the dashboard: a Cognito domain and a public app client that allows exactly
 * the authorization-code grant (the page sends a PKCE S256 challenge; with no client secret, PKCE is what binds a
 * code to the tab that asked for it), no implicit grant and no client-credentials, no sign-in through the user pool
 * API, and returns only to the dashboard. Its scopes are `openid` and the one every API route requires
 * (USER_ACCESS_TOKEN_SCOPE), so the access token the page gets is one the API's authorizer accepts once this
 * client's id is in the authorizer's audience.
 */
export function dashboardSignIn(
  scope: Construct,
  userPool: cognito.UserPool,
  props: { dashboardUrl: string; apiUrl: string; apiScope: string },
): DashboardSignIn {
  const stack = Stack.of(scope);
  const domain = userPool.addDomain('LoginDomain', {
    // Unique per account (in the prefix) and region (in the host name), stable for a stack name. Cognito refuses
    // prefixes containing "aws", "amazon" or "cognito"; hex digits and "bgjobs" contain none.
    cognitoDomain: { domainPrefix: `bgjobs-${shortHash(stack.stackName)}-${stack.account}` },
    managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
  });
  const client = userPool.addClient('DashboardClient', {
    generateSecret: false,
    // No USER_PASSWORD/SRP/custom flows: this client signs in only through the managed login.
    authFlows: { userSrp: false },
    oAuth: {
      flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
      scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.custom(props.apiScope)],
      callbackUrls: [props.dashboardUrl],
      logoutUrls: [props.dashboardUrl],
    },
    supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
    accessTokenValidity: Duration.hours(1),
    idTokenValidity: Duration.hours(1),
    preventUserExistenceErrors: true,
    enableTokenRevocation: true,
  });
  // Managed login (version 2) shows its pages for a client only once the client has a style; Cognito's defaults.
  new cognito.CfnManagedLoginBranding(scope, 'DashboardLoginStyle', {
    userPoolId: userPool.userPoolId,
    clientId: client.userPoolClientId,
    useCognitoProvidedValues: true,
  });
  return {
    client,
    domain,
    config: {
      mode: 'cognito',
      authority: domain.baseUrl(),
      clientId: client.userPoolClientId,
      redirectUri: props.dashboardUrl,
      apiUrl: props.apiUrl,
    },
  };
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);
