import type { ParkedList } from '@hearth/contracts';
import { Controller, Get, UseGuards } from '@nestjs/common';
import { ListParkedMessages } from '../../app/list-parked-messages/list-parked-messages.js';
import type { OperatorToken } from '../../domain/operator/operator.js';
import { CallerGuard, Caller } from './caller.js';
import { ApiRoute } from './openapi.js';

@Controller('v1/parked')
@UseGuards(CallerGuard)
export class ParkedController {
  constructor(private readonly listParkedMessages: ListParkedMessages) {}

  @Get()
  @ApiRoute({
    summary:
      'Messages the console’s consumers parked instead of applying (a driver event refused or failing), newest first',
    reply: { description: 'the latest parked messages', schema: 'ParkedList' },
  })
  list(@Caller() caller: OperatorToken): Promise<ParkedList> {
    return this.listParkedMessages.run(caller);
  }
}
