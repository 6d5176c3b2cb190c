import { describe, expect, it } from '@jest/globals';
import { ErrorCode, HearthError, InvalidFieldsError } from '@hearth/contracts';
import type { ArgumentsHost } from '@nestjs/common';
import pino from 'pino';
import { EdgeErrorFilter } from './http-error.filter.js';

/** What the filter answers over HTTP: the status and the body it wrote. */
function answerTo(exception: unknown): { status: number; body: unknown } {
  const answer = { status: 0, body: undefined as unknown };
  const response = {
    status(code: number) {
      answer.status = code;
      return response;
    },
    json(body: unknown) {
      answer.body = body;
    },
  };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getResponse: () => response }),
  } as unknown as ArgumentsHost;
  new EdgeErrorFilter(pino({ level: 'silent' })).catch(exception, host);
  return answer;
}

describe('the HTTP edge of the error model', () => {
  it('answers a field-by-field refusal with its fields in the body', () => {
    const fields = [
      { field: 'port', code: 'VAULT.FIELD_INVALID', message: 'a port is 1-65535' },
      { field: 'username', code: 'VAULT.FIELD_REQUIRED', message: 'User is required' },
    ];
    expect(
      answerTo(new InvalidFieldsError('port: VAULT.FIELD_INVALID, username: VAULT.FIELD_REQUIRED', fields)),
    ).toEqual({
      status: 400,
      body: {
        error: {
          code: 'VAULT.INVALID_FIELDS',
          message: 'port: VAULT.FIELD_INVALID, username: VAULT.FIELD_REQUIRED',
          fields,
        },
      },
    });
  });

  it('answers any other coded error without fields', () => {
    expect(answerTo(new HearthError(ErrorCode.TypeNotFound, 'no credential type x'))).toEqual({
      status: 404,
      body: { error: { code: 'VAULT.TYPE_NOT_FOUND', message: 'no credential type x' } },
    });
  });
});
