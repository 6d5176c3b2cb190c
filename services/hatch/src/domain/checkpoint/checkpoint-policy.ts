/**
 * When hatch signs a checkpoint: on every `every`-th record, in the transaction that appends it,
 * so a checkpoint never names a record that did not commit; on a timer, when records arrived since
 * the last checkpoint, so a quiet log is never left unsigned for long; and at the head of every
 * export, so an export is signed through its last record and a tail cut from it shows.
 */
export function checkpointOnAppend(seq: number, every: number): boolean {
  return seq % every === 0;
}

export function checkpointOnTimer(headSeq: number, lastCheckpointSeq: number): boolean {
  return headSeq > lastCheckpointSeq;
}

/**
 * An export's head needs a checkpoint at that very seq: one signed later (records appended while
 * the export started) lies past the export and is not in it, so it vouches for nothing there.
 */
export function checkpointOnExport(headSeq: number, checkpointAtHead: boolean): boolean {
  return headSeq > 0 && !checkpointAtHead;
}
