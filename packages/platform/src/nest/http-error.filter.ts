import { ErrorCode, HearthError, InvalidFieldsError, type ErrorBody, type ErrorKind } from '@hearth/contracts';
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { DatabaseAvailability } from '../postgres/availability.js';

const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  throttled: 429,
  unavailable: 503,
  internal: 500,
};

interface HttpResponse {
  status(code: number): HttpResponse;
  json(body: unknown): void;
}

/**
 * The edges of the error model. Over HTTP a HearthError answers with the status of its kind and its
 * stable code; a body that is not JSON is HEARTH.MALFORMED_JSON; anything unexpected is logged and
 * answered as HEARTH.INTERNAL without detail, unless it is the database out of reach
 * (HEARTH.DATABASE_UNAVAILABLE, logged once per outage). Over NATS the error passes through untouched (Nest's
 * default would flatten it to "Internal server error") so the transport can answer with its code.
 */
@Catch()
export class EdgeErrorFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly database?: Pick<DatabaseAvailability, 'refusal'>,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() === 'rpc') return throwError(() => exception);
    const response = host.switchToHttp().getResponse<HttpResponse>();
    const [status, body] = this.describe(exception);
    response.status(status).json(body);
  }

  private describe(exception: unknown): [number, ErrorBody] {
    const refusal = this.database?.refusal(exception);
    if (refusal) return [STATUS_OF_KIND[refusal.kind], bodyOf(refusal.code, refusal.message)];
    if (exception instanceof InvalidFieldsError) {
      const body = bodyOf(exception.code, exception.message);
      return [STATUS_OF_KIND[exception.kind], { error: { ...body.error, fields: exception.fields } }];
    }
    if (exception instanceof HearthError) {
      return [STATUS_OF_KIND[exception.kind], bodyOf(exception.code, exception.message)];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (exception.cause instanceof SyntaxError) {
        return [400, bodyOf(ErrorCode.MalformedJson, 'request body is not valid JSON')];
      }
      if (status < 500) {
        return [status, bodyOf(status === 404 ? ErrorCode.NotFound : ErrorCode.InvalidRequest, exception.message)];
      }
    }
    this.logger.error({ err: exception }, 'request failed');
    return [500, bodyOf(ErrorCode.Internal, 'internal error')];
  }
}

function bodyOf(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}
