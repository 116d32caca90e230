import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
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
import { databaseEnvironment, limitEnvironment, noticeEnvironment } from './function-environment.js';
import { serviceFunction } from './lambda-function.js';

export interface ApiProps {
  cluster: rds.DatabaseCluster;
  queue: sqs.IQueue;
  settings: StackSettings;
  /** The route table; the service's own unless given (test/infra/route-needs.test.ts gives every mix of needs). */
  routes?: readonly RouteDefinition[];
}

/** Below API Gateway's 30 s: a resuming cluster gets our 503 + Retry-After, not a gateway timeout. */
export const API_RETRY_BUDGET_MS = 20_000;

/**
 * The HTTP API: one small Lambda per route (the route table in lambdas/http/routes.ts), a JWT authorizer on
 * every route but health and the OpenAPI document, stage throttling and JSON access logs.
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly functions: lambda.IFunction[] = [];

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { settings } = props;
    const { authorizer, scopes } = this.authorizer(settings);
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
      },
      logRetentionDays: props.settings.logRetentionDays,
    });
    if (database) props.cluster.grantDataApiAccess(fn);
    // SendMessage only: these handlers send a schedule's first occurrence or a run-now, nothing else.
    if (needs.queue) props.queue.grant(fn, 'sqs:SendMessage');
    this.functions.push(fn);
    return fn;
  }

  /**
   * Cognito by default; an external issuer and audience when the context names them. With Cognito, every route
   * requires the scope of a user access token, which an ID token (no `scope` claim) never carries: API Gateway
   * checks `client_id` for access tokens and `aud` for ID tokens against the same client, so the scope is what
   * tells them apart. An external issuer's access tokens name the API as their audience, its ID tokens the client.
   */
  private authorizer(settings: StackSettings): { authorizer: apigw.IHttpRouteAuthorizer; scopes?: string[] } {
    if (settings.jwtIssuer && settings.jwtAudience) {
      return {
        authorizer: new HttpJwtAuthorizer('JwtAuthorizer', settings.jwtIssuer, {
          jwtAudience: settings.jwtAudience,
        }),
      };
    }
    const userPool = new cognito.UserPool(this, 'UserPool', {
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
    // user pool API (USER_PASSWORD_AUTH, SRP) and refreshes. No OAuth flows, so no implicit grant, no hosted UI
    // and no callback URL: nothing here redirects a browser anywhere.
    const client = userPool.addClient('ApiClient', {
      authFlows: { userSrp: true, userPassword: true },
      disableOAuth: true,
      generateSecret: false,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });
    const scope = Stack.of(this);
    new CfnOutput(scope, 'UserPoolId', { value: userPool.userPoolId });
    new CfnOutput(scope, 'UserPoolClientId', { value: client.userPoolClientId });
    return {
      authorizer: new HttpJwtAuthorizer('JwtAuthorizer', userPool.userPoolProviderUrl, {
        jwtAudience: [client.userPoolClientId],
      }),
      scopes: [USER_ACCESS_TOKEN_SCOPE],
    };
  }
}

/**
 * The scope of every access token the user pool API issues (InitiateAuth, RespondToAuthChallenge, refresh), the
 * flows the client allows. Custom resource-server scopes exist only in tokens from the OAuth 2.0 token endpoint.
 */
export const USER_ACCESS_TOKEN_SCOPE = 'aws.cognito.signin.user.admin';
