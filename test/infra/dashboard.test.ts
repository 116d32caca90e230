import { describe, expect, it } from 'vitest';
import { DASHBOARD_ROUTES } from '../../infra/constructs/dashboard.js';
import { resourcesOf, synthStack } from './synth.js';
import { environmentOf, statementsOf, synthesizedTemplate } from './template-helpers.js';

/** The dashboard in AWS: served by the HTTP API, signed in through the user pool's managed login. */
const template = synthesizedTemplate();
type Template = ReturnType<typeof template>;

const one = (t: Template, type: string, idPrefix: string) => {
  const found = Object.entries(resourcesOf(t, type)).filter(([id]) => id.startsWith(idPrefix));
  expect(found.map(([id]) => id)).toHaveLength(1);
  const [[id, resource] = ['', { Type: type }]] = found;
  return { id, properties: resource.Properties ?? {} };
};

/**
 * A CloudFormation value with every Ref and Fn::GetAtt written as `<LogicalId>` / `<LogicalId.Attribute>` and
 * Fn::Join joined: what the deployed string will be, with names in place of what only a deploy knows.
 */
function rendered(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if (typeof node.Ref === 'string') return `<${node.Ref}>`;
  if (Array.isArray(node['Fn::GetAtt'])) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
  if (Array.isArray(node['Fn::Join'])) {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(rendered).join(separator);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

const dashboardUrl = (t: Template) => rendered(t.toJSON().Outputs?.DashboardUrl?.Value);
const dashboardConfig = (t: Template) => {
  const { properties } = one(t, 'AWS::Lambda::Function', 'DashboardFunction');
  return JSON.parse(rendered(environmentOf({ Properties: properties }).DASHBOARD_CONFIG)) as Record<
    string,
    string
  >;
};

describe('dashboard hosting', () => {
  it("is served by the HTTP API at its root: DashboardUrl is the API's endpoint with /", () => {
    const api = one(template(), 'AWS::ApiGatewayV2::Api', 'ApiHttpApi');
    expect(dashboardUrl(template())).toBe(`<${api.id}.ApiEndpoint>/`);
  });

  it('GET / and GET /dashboard/{proxy+} are public routes to the dashboard function, which may only write its logs', () => {
    const fn = one(template(), 'AWS::Lambda::Function', 'DashboardFunction');
    const routes = Object.values(resourcesOf(template(), 'AWS::ApiGatewayV2::Route')).filter((r) =>
      DASHBOARD_ROUTES.map((path) => `GET ${path}`).includes(String(r.Properties?.RouteKey)),
    );
    expect(routes).toHaveLength(2);
    const integrations = resourcesOf(template(), 'AWS::ApiGatewayV2::Integration');
    for (const route of routes) {
      expect(route.Properties?.AuthorizationType).toBe('NONE');
      const target = rendered(route.Properties?.Target).replace(/^integrations\/<(.+)>$/, '$1');
      expect(JSON.stringify(integrations[target]?.Properties?.IntegrationUri)).toContain(fn.id);
    }
    const env = environmentOf({ Properties: fn.properties });
    expect(Object.keys(env).filter((name) => /CLUSTER|SECRET|DATABASE|DB_|QUEUE/.test(name))).toEqual([]);
    const actions = statementsOf(template())
      .filter(({ id }) => id.startsWith('DashboardFunctionRole'))
      .flatMap((s) => s.actions);
    expect(actions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it("config.json tells the page the user pool's managed login, this client, the dashboard URL and the API", () => {
    const domain = one(template(), 'AWS::Cognito::UserPoolDomain', 'ApiUserPoolLoginDomain');
    const client = one(template(), 'AWS::Cognito::UserPoolClient', 'ApiUserPoolDashboardClient');
    const api = one(template(), 'AWS::ApiGatewayV2::Api', 'ApiHttpApi');
    expect(dashboardConfig(template())).toEqual({
      mode: 'cognito',
      authority: `https://<${domain.id}>.auth.eu-central-1.amazoncognito.com`,
      clientId: `<${client.id}>`,
      redirectUri: dashboardUrl(template()),
      apiUrl: `<${api.id}.ApiEndpoint>`,
    });
  });

  it('with an external issuer the page is still served, and takes a pasted token (no Cognito)', () => {
    const { template: t } = synthStack({
      context: { jwtIssuer: 'https://auth.example.com/', jwtAudience: 'jobs-api' },
    });
    t.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    expect(dashboardUrl(t)).toMatch(/^<ApiHttpApi\w+\.ApiEndpoint>\/$/);
    expect(dashboardConfig(t)).toEqual({ mode: 'local', apiUrl: dashboardUrl(t).slice(0, -1) });
  });
});

describe('dashboard sign-in', () => {
  it('a managed login (version 2) domain, styled for the dashboard client, on an Essentials user pool', () => {
    const domain = one(template(), 'AWS::Cognito::UserPoolDomain', 'ApiUserPoolLoginDomain');
    expect(domain.properties.ManagedLoginVersion).toBe(2);
    expect(rendered(domain.properties.Domain)).toMatch(/^bgjobs-[0-9a-f]{8}-123456789012$/);
    const client = one(template(), 'AWS::Cognito::UserPoolClient', 'ApiUserPoolDashboardClient');
    const style = one(template(), 'AWS::Cognito::ManagedLoginBranding', 'ApiDashboardLoginStyle');
    expect(style.properties).toMatchObject({ ClientId: { Ref: client.id }, UseCognitoProvidedValues: true });
    const pool = one(template(), 'AWS::Cognito::UserPool', 'ApiUserPool');
    expect(pool.properties.UserPoolTier).toBe('ESSENTIALS');
  });

  it('the dashboard client: the authorization-code grant only, no secret, no API sign-in, back to the dashboard only', () => {
    const { properties } = one(template(), 'AWS::Cognito::UserPoolClient', 'ApiUserPoolDashboardClient');
    expect(properties.AllowedOAuthFlows).toEqual(['code']);
    expect(properties.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(properties.GenerateSecret).toBe(false);
    expect(properties.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
    expect(properties.SupportedIdentityProviders).toEqual(['COGNITO']);
    expect(properties.AllowedOAuthScopes).toEqual(['openid', 'aws.cognito.signin.user.admin']);
    expect((properties.CallbackURLs as unknown[]).map(rendered)).toEqual([dashboardUrl(template())]);
    expect((properties.LogoutURLs as unknown[]).map(rendered)).toEqual([dashboardUrl(template())]);
    // No custom resource reads a secret back: there is none.
    template().resourceCountIs('Custom::DescribeCognitoUserPoolClient', 0);
  });

  it("the API's JWT authorizer accepts the dashboard's access tokens: its client id is an audience, its scope the one routes require", () => {
    const client = one(template(), 'AWS::Cognito::UserPoolClient', 'ApiUserPoolDashboardClient');
    const pool = one(template(), 'AWS::Cognito::UserPool', 'ApiUserPool');
    const [authorizer] = Object.values(resourcesOf(template(), 'AWS::ApiGatewayV2::Authorizer'));
    const jwt = authorizer?.Properties?.JwtConfiguration as { Audience: unknown[]; Issuer: unknown };
    // API Gateway compares an access token's client_id claim with the audience list.
    expect(jwt.Audience).toContainEqual({ Ref: client.id });
    expect(jwt.Issuer).toEqual({ 'Fn::GetAtt': [pool.id, 'ProviderURL'] });
    const granted = client.properties.AllowedOAuthScopes as string[];
    const required = Object.values(resourcesOf(template(), 'AWS::ApiGatewayV2::Route'))
      .filter((r) => r.Properties?.AuthorizationType === 'JWT')
      .map((r) => r.Properties?.AuthorizationScopes as string[]);
    expect(required.length).toBeGreaterThan(10);
    // API Gateway lets a request through when the token carries any one of the route's scopes.
    for (const scopes of required) expect(scopes.some((scope) => granted.includes(scope))).toBe(true);
  });
});
