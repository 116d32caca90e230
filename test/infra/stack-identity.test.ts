import { describe, expect, it } from 'vitest';
import { resourcesOf, synthStack } from './synth.js';
import { synthesizedTemplate } from './template-helpers.js';

/** Who may call what: the API's sign-in client, the scope every route requires, the custom resources' roles. */
const template = synthesizedTemplate();

describe('identity', () => {
  it('the API client signs in through the user pool API only: no OAuth flows, no callback URLs, no secret', () => {
    const clients = Object.entries(resourcesOf(template(), 'AWS::Cognito::UserPoolClient'));
    // This one and the dashboard's (test/infra/dashboard.test.ts).
    expect(clients).toHaveLength(2);
    const [, client] = clients.find(([id]) => id.startsWith('ApiUserPoolApiClient')) ?? [];
    expect(client?.Properties?.ExplicitAuthFlows).toEqual(
      expect.arrayContaining(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
    );
    expect(client?.Properties?.ExplicitAuthFlows).toHaveLength(3);
    for (const absent of ['AllowedOAuthFlows', 'AllowedOAuthScopes', 'CallbackURLs', 'LogoutURLs'])
      expect(client?.Properties?.[absent], absent).toBeUndefined();
    expect(client?.Properties?.AllowedOAuthFlowsUserPoolClient).toBe(false);
    expect(client?.Properties?.GenerateSecret).toBe(false);
  });

  it('every authorized route requires the scope of a user access token, so ID tokens (no scope) are refused', () => {
    const routes = Object.values(resourcesOf(template(), 'AWS::ApiGatewayV2::Route'));
    for (const route of routes) {
      const key = String(route.Properties?.RouteKey);
      if (route.Properties?.AuthorizationType === 'JWT')
        expect(route.Properties?.AuthorizationScopes, key).toEqual(['aws.cognito.signin.user.admin']);
      else expect(route.Properties?.AuthorizationScopes, key).toBeUndefined();
    }
    const { template: external } = synthStack({
      context: { jwtIssuer: 'https://auth.example.com/', jwtAudience: 'jobs-api' },
    });
    for (const route of Object.values(resourcesOf(external, 'AWS::ApiGatewayV2::Route')))
      expect(route.Properties?.AuthorizationScopes).toBeUndefined();
  });

  it("the custom resources' ServiceTokens stay the framework functions deployed stacks have (CloudFormation refuses to change one)", () => {
    for (const type of ['Custom::DatabaseSchema', 'Custom::TaskQueueResync']) {
      const [resource] = Object.values(resourcesOf(template(), type));
      expect(resource?.Properties?.ServiceToken, type).toEqual({
        'Fn::GetAtt': [
          type === 'Custom::DatabaseSchema'
            ? 'MigrationsProviderframeworkonEvent15E1BF06'
            : 'ResyncProviderframeworkonEvent8E0C56E8',
          'Arn',
        ],
      });
    }
  });

  it("the provider frameworks' functions have a role of their own, without the AWSLambdaBasicExecutionRole managed policy", () => {
    const frameworks = Object.entries(resourcesOf(template(), 'AWS::Lambda::Function')).filter(([, fn]) =>
      JSON.stringify(fn.Properties).includes('framework'),
    );
    expect(frameworks).toHaveLength(2);
    const roles = resourcesOf(template(), 'AWS::IAM::Role');
    for (const [id, fn] of frameworks) {
      const role = fn.Properties?.Role as { 'Fn::GetAtt'?: string[] } | undefined;
      const roleId = role?.['Fn::GetAtt']?.[0] ?? '';
      expect(roleId, id).toMatch(/ProviderOnEventRole/);
      expect(roles[roleId]?.Properties?.ManagedPolicyArns, id).toBeUndefined();
    }
  });
});
