/**
 * When hatch signs a checkpoint: on every `every`-th record, in the transaction that appends it,
 * so a checkpoint never names a record that did not commit; and on a timer, when records arrived
 * since the last checkpoint, so a quiet log is never left unsigned for long.
 */
export function checkpointOnAppend(seq: number, every: number): boolean {
  return seq % every === 0;
}

export function checkpointOnTimer(headSeq: number, lastCheckpointSeq: number): boolean {
  return headSeq > lastCheckpointSeq;
}
