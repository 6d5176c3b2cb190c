import type { ParkedList } from '@hearth/contracts';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { ParkedMessageReader } from '../ports.js';

/** What the console's consumers parked instead of applying, newest first, for an operator to look at. */
export class ListParkedMessages {
  constructor(private readonly parked: ParkedMessageReader) {}

  async run(caller: OperatorToken): Promise<ParkedList> {
    authorize(caller, 'deployment.read');
    return { items: await this.parked.latest() };
  }
}
