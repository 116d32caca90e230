import { CfnOutput, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ROUTES, type RouteDefinition, type RouteNeeds, UNMATCHED_ROUTE } from '../../lambdas/http/routes.js';
import type { StackSettings } from '../settings.js';
import { type DashboardConfig, dashboardSignIn } from './dashboard-sign-in.js';
import { databaseEnvironment, limitEnvironment, noticeEnvironment } from './function-environment.js';
import { serviceFunction } from './lambda-function.js';
import type { WebhookKey } from './webhook-key.js';

export interface ApiProps {
  cluster: rds.DatabaseCluster;
  queue: sqs.IQueue;
  settings: StackSettings;
  /** The route table; the service's own unless given (test/infra/route-needs.test.ts gives every mix of needs). */
  routes?: readonly RouteDefinition[];
  /** The key that encrypts webhook secrets, for routes that declare `webhookKey`. */
  webhookKey: WebhookKey;
}

/** Below API Gateway's 30 s: a resuming cluster gets our 503 + Retry-After, not a gateway timeout. */
export const API_RETRY_BUDGET_MS = 20_000;

/**
 * The HTTP API: one small Lambda per route (the route table in lambdas/http/routes.ts), a JWT authorizer on
 * every route not declared public, stage throttling and JSON access logs.
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly functions: lambda.IFunction[] = [];
  /** The dashboard's page, served by this API at `/` (infra/constructs/dashboard.ts). */
  readonly dashboardUrl: string;
  /** How the dashboard signs in: the user pool's managed login, or (external issuer) a pasted token. */
  readonly dashboardConfig: DashboardConfig;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { settings } = props;
    const { authorizer, scopes, dashboardConfig } = this.authorizer(settings);
    this.dashboardConfig = dashboardConfig;
    const access = (needs: RouteNeeds) =>
      needs.public
        ? { authorizer: new apigw.HttpNoneAuthorizer() }
        : { authorizer, ...(scopes ? { authorizationScopes: scopes } : {}) };
    const unmatched = access(UNMATCHED_ROUTE);
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Background Job Service',
      defaultIntegration: new HttpLambdaIntegration('NotFound', this.routeFunction(UNMATCHED_ROUTE, props)),
      // Unset, the $default route has no authorizer: what a public UNMATCHED_ROUTE declares.
      ...(UNMATCHED_ROUTE.public
        ? {}
        : { defaultAuthorizer: unmatched.authorizer, defaultAuthorizationScopes: scopes }),
      ...(settings.corsOrigins.length
        ? {
            corsPreflight: {
              allowOrigins: settings.corsOrigins,
              allowMethods: [apigw.CorsHttpMethod.ANY],
              allowHeaders: ['authorization', 'content-type', 'if-match', 'idempotency-key'],
              exposeHeaders: ['etag', 'location', 'idempotent-replayed'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    this.dashboardUrl = `${this.httpApi.apiEndpoint}/`;
    for (const route of props.routes ?? ROUTES) {
      const fn = this.routeFunction(route, props);
      this.httpApi.addRoutes({
        path: route.path,
        methods: [route.method as apigw.HttpMethod],
        integration: new HttpLambdaIntegration(`${route.handler}-integration`, fn),
        ...access(route),
      });
    }
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = this.httpApi.defaultStage?.node.defaultChild as apigw.CfnStage;
    stage.defaultRouteSettings = {
      throttlingRateLimit: settings.throttleRateLimit,
      throttlingBurstLimit: settings.throttleBurstLimit,
    };
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
        authorizerError: '$context.authorizer.error',
        userId: '$context.authorizer.claims.sub',
      }),
    };
    new CfnOutput(Stack.of(this), 'ApiUrl', { value: this.httpApi.apiEndpoint });
  }

  /** A route's function: its settings and permissions follow from its declared needs, and from nothing else. */
  private routeFunction(needs: RouteNeeds, props: ApiProps): lambda.IFunction {
    const { handler } = needs;
    const database = needs.database !== false;
    const id = handler.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
    const fn = serviceFunction(this, `${id}Function`, {
      handler,
      environment: {
        ...(database ? databaseEnvironment(props.cluster, { retryBudgetMs: API_RETRY_BUDGET_MS }) : {}),
        ...(needs.queue ? noticeEnvironment(props.queue, props.settings) : {}),
        ...(database ? limitEnvironment(props.settings) : {}),
        ...(needs.webhookKey ? props.webhookKey.environment() : {}),
      },
      logRetentionDays: props.settings.logRetentionDays,
    });
    if (database) props.cluster.grantDataApiAccess(fn);
    // SendMessage only: these handlers send a schedule's first occurrence, a run-now or a cancel's delivery notices.
    if (needs.queue) props.queue.grant(fn, 'sqs:SendMessage');
    // Read only, and only where a webhook secret is encrypted (set) or decrypted (shown again on a replay).
    if (needs.webhookKey) props.webhookKey.secret.grantRead(fn);
    this.functions.push(fn);
    return fn;
  }

  /**
   * Cognito by default; an external issuer and audience when the context names them. With Cognito, every route
   * requires the scope of a user access token, which an ID token (no `scope` claim) never carries: API Gateway
   * checks `client_id` for access tokens and `aud` for ID tokens against the same client, so the scope is what
   * tells them apart. An external issuer's access tokens name the API as their audience, its ID tokens the client.
   */
  private authorizer(settings: StackSettings): {
    authorizer: apigw.IHttpRouteAuthorizer;
    scopes?: string[];
    dashboardConfig: DashboardConfig;
  } {
    // The authorizer comes before the HTTP API (its $default route may need it), and the dashboard's client, which
    // the authorizer must list, returns to a URL of that API: resolved at synth, once the API exists.
    const apiUrl = Lazy.string({ produce: () => this.httpApi.apiEndpoint });
    const dashboardUrl = Lazy.string({ produce: () => this.dashboardUrl });
    if (settings.jwtIssuer && settings.jwtAudience) {
      return {
        authorizer: new HttpJwtAuthorizer('JwtAuthorizer', settings.jwtIssuer, {
          jwtAudience: settings.jwtAudience,
        }),
        // The page cannot know another provider's login: it takes a pasted access token instead.
        dashboardConfig: { mode: 'local', apiUrl },
      };
    }
    const userPool = new cognito.UserPool(this, 'UserPool', {
      // Managed login (the dashboard's sign-in) needs Essentials or Plus; Essentials is billed per monthly active
      // user beyond a free tier, nothing while idle.
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy:
        settings.removal === 'retain' ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY,
    });
    // For people at a terminal and for machines (service users): a public client that signs in through the
    // user pool API (USER_PASSWORD_AUTH, SRP) and refreshes. No OAuth flows, so no implicit grant, no managed
    // login and no callback URL: this client redirects no browser. The dashboard has its own client for that.
    const client = userPool.addClient('ApiClient', {
      authFlows: { userSrp: true, userPassword: true },
      disableOAuth: true,
      generateSecret: false,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });
    const dashboard = dashboardSignIn(this, userPool, {
      dashboardUrl,
      apiUrl,
      apiScope: USER_ACCESS_TOKEN_SCOPE,
    });
    const scope = Stack.of(this);
    new CfnOutput(scope, 'UserPoolId', { value: userPool.userPoolId });
    new CfnOutput(scope, 'UserPoolClientId', { value: client.userPoolClientId });
    new CfnOutput(scope, 'DashboardClientId', { value: dashboard.client.userPoolClientId });
    return {
      // Access tokens carry the client they were issued to in client_id; the authorizer checks it against this
      // list, so both clients' tokens are accepted, and both carry the required scope.
      authorizer: new HttpJwtAuthorizer('JwtAuthorizer', userPool.userPoolProviderUrl, {
        jwtAudience: [client.userPoolClientId, dashboard.client.userPoolClientId],
      }),
      scopes: [USER_ACCESS_TOKEN_SCOPE],
      dashboardConfig: dashboard.config,
    };
  }
}

/**
 * The scope of every access token the user pool API issues (InitiateAuth, RespondToAuthChallenge, refresh), the
 * flows the client allows. Custom resource-server scopes exist only in tokens from the OAuth 2.0 token endpoint.
 */
export const USER_ACCESS_TOKEN_SCOPE = 'aws.cognito.signin.user.admin';
