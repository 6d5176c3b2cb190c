import {
  DeploymentHistory,
  DeploymentList,
  DeploymentRef,
  ErrorCode,
  HearthError,
  Org,
  OrgList,
  ParkedList,
  Team,
  TeamList,
  TokenCreated,
  TokenRevoked,
  Workspace,
  WorkspaceList,
  type DeploymentRequest,
  type OrgCreateRequest,
  type RestartRequest,
  type TeamCreateRequest,
  type TeamListQuery,
  type TokenCreateRequest,
  type WorkspaceCreateRequest,
  type WorkspaceListQuery,
} from '@hearth/contracts';
import { z } from 'zod';
import type { ConsoleConnection } from './config.js';
import { reasonOf } from './unreachable.js';

/** What `GET /v1/deployments` takes, as query text; validated by the caller against `DeploymentListQuery`. */
export interface DeploymentListParams {
  status?: string;
  limit?: string;
  cursor?: string;
}

/** The query text of a list; the parameters left out are not sent. */
function queryOf(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  return query.size ? `?${query.toString()}` : '';
}

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));
const isKnownCode = (code: string): code is ErrorCode => KNOWN_CODES.has(code);
const TIMEOUT_MS = 30_000;

/**
 * The console's HTTP API, typed by the contracts: every answer is checked against its schema, and
 * every failure, whether the console's own error body or a network one, becomes a HearthError.
 */
export class ConsoleApi {
  readonly baseUrl: string;
  // Private so that logging or inspecting the client can never show the token.
  readonly #token: string;

  constructor(connection: ConsoleConnection) {
    this.baseUrl = connection.baseUrl;
    this.#token = connection.token;
  }

  createDeployment(request: DeploymentRequest): Promise<DeploymentRef> {
    return this.call('POST', '/v1/deployments', DeploymentRef, request);
  }

  getDeployment(slug: string): Promise<DeploymentRef> {
    return this.call('GET', `/v1/deployments/${encodeURIComponent(slug)}`, DeploymentRef);
  }

  deploymentHistory(slug: string): Promise<DeploymentHistory> {
    return this.call('GET', `/v1/deployments/${encodeURIComponent(slug)}/history`, DeploymentHistory);
  }

  listDeployments(params: DeploymentListParams): Promise<DeploymentList> {
    return this.call('GET', `/v1/deployments${queryOf({ ...params })}`, DeploymentList);
  }

  deprovisionDeployment(slug: string): Promise<DeploymentRef> {
    return this.call('DELETE', `/v1/deployments/${encodeURIComponent(slug)}`, DeploymentRef);
  }

  retryDeployment(slug: string): Promise<DeploymentRef> {
    return this.call('POST', `/v1/deployments/${encodeURIComponent(slug)}/retry`, DeploymentRef);
  }

  /** Starts the deployment's workloads again (one, or all), their credentials resolved anew. */
  restartDeployment(slug: string, request: RestartRequest): Promise<DeploymentRef> {
    return this.call('POST', `/v1/deployments/${encodeURIComponent(slug)}/restart`, DeploymentRef, request);
  }

  createOrg(request: OrgCreateRequest): Promise<Org> {
    return this.call('POST', '/v1/orgs', Org, request);
  }

  listOrgs(): Promise<OrgList> {
    return this.call('GET', '/v1/orgs', OrgList);
  }

  getOrg(slug: string): Promise<Org> {
    return this.call('GET', `/v1/orgs/${encodeURIComponent(slug)}`, Org);
  }

  createTeam(request: TeamCreateRequest): Promise<Team> {
    return this.call('POST', '/v1/teams', Team, request);
  }

  listTeams(filter: TeamListQuery): Promise<TeamList> {
    return this.call('GET', `/v1/teams${queryOf(filter)}`, TeamList);
  }

  getTeam(slug: string): Promise<Team> {
    return this.call('GET', `/v1/teams/${encodeURIComponent(slug)}`, Team);
  }

  createWorkspace(request: WorkspaceCreateRequest): Promise<Workspace> {
    return this.call('POST', '/v1/workspaces', Workspace, request);
  }

  listWorkspaces(filter: WorkspaceListQuery): Promise<WorkspaceList> {
    return this.call('GET', `/v1/workspaces${queryOf(filter)}`, WorkspaceList);
  }

  getWorkspace(slug: string): Promise<Workspace> {
    return this.call('GET', `/v1/workspaces/${encodeURIComponent(slug)}`, Workspace);
  }

  listParked(): Promise<ParkedList> {
    return this.call('GET', '/v1/parked', ParkedList);
  }

  createToken(request: TokenCreateRequest): Promise<TokenCreated> {
    return this.call('POST', '/v1/tokens', TokenCreated, request);
  }

  revokeToken(name: string): Promise<TokenRevoked> {
    return this.call('DELETE', `/v1/tokens/${encodeURIComponent(name)}`, TokenRevoked);
  }

  private async call<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<z.infer<S>> {
    const response = await this.send(method, path, body);
    const answer = await response.json().catch((): unknown => undefined);
    if (!response.ok) throw errorOf(response, answer, `${method} ${path}`);
    const parsed = schema.safeParse(answer);
    if (!parsed.success) {
      throw new HearthError(
        ErrorCode.Internal,
        `the console's answer to ${method} ${path} is not what this CLI expects (a version mismatch?): ${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  }

  private async send(method: string, path: string, body: unknown): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${this.#token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'TimeoutError') {
        throw new HearthError(
          ErrorCode.Unavailable,
          `the console at ${this.baseUrl} did not answer within ${TIMEOUT_MS / 1000}s`,
        );
      }
      throw new HearthError(
        ErrorCode.Unavailable,
        `cannot reach the console at ${this.baseUrl} (${reasonOf(error)}): is it running (npm start), and is HEARTH_CONSOLE_URL right?`,
      );
    }
  }
}

function errorOf(response: Response, answer: unknown, call: string): HearthError {
  const body = ErrorBody.safeParse(answer);
  if (!body.success) {
    return new HearthError(
      ErrorCode.Internal,
      `the console answered ${call} with HTTP ${response.status} and no error body`,
    );
  }
  const { code, message } = body.data.error;
  // A code newer than this CLI still reaches the operator, inside the message.
  return isKnownCode(code)
    ? new HearthError(code, message)
    : new HearthError(ErrorCode.Internal, `${code}: ${message}`);
}
