import { ErrorCode, HearthError, type AuthenticatedOperator, type OperatorRole } from '@hearth/contracts';
import { createHash } from 'node:crypto';
import { authorizeAuditRead } from '../../domain/access/audit-access.js';
import type { Clock, OperatorDirectory } from '../ports.js';

interface Cached {
  operator: AuthenticatedOperator | null;
  until: number;
}

const MAX_CACHED = 10_000;
/** An unknown token is remembered briefly too, so a flood of bad ones does not become a flood of requests. */
const UNKNOWN_TOKEN_MS = 5_000;

/**
 * Who may read the audit log. The console knows the tokens; hatch asks it by the token's SHA-256
 * (the token itself never crosses the bus) and trusts the answer for `cacheMs`, which is also how
 * long a revoked token may still read.
 */
export class AuditorAccess {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly directory: OperatorDirectory,
    private readonly clock: Clock,
    private readonly readerRoles: readonly OperatorRole[],
    private readonly cacheMs: number,
  ) {}

  async reader(authorization: string | undefined): Promise<AuthenticatedOperator> {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    const caller = token ? await this.lookUp(createHash('sha256').update(token, 'utf8').digest('hex')) : null;
    if (!caller) throw new HearthError(ErrorCode.Unauthenticated, 'a valid bearer token is required');
    authorizeAuditRead(caller, this.readerRoles);
    return caller;
  }

  private async lookUp(sha256: string): Promise<AuthenticatedOperator | null> {
    const now = this.clock.now().getTime();
    const cached = this.cache.get(sha256);
    if (cached && cached.until > now) return cached.operator;
    const operator = await this.directory.authenticate(sha256);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(sha256, {
      operator,
      until: now + (operator ? this.cacheMs : Math.min(this.cacheMs, UNKNOWN_TOKEN_MS)),
    });
    return operator;
  }
}
