/** What every lease event names: the lease (its id is its policy path), its role, engine, user and workspace. */
export interface LeaseFacts {
  path: string;
  lease_id: string;
  role: string;
  engine: string;
  username: string;
  workspace_slug: string | null;
  by: string;
}

/** The fields every Lease*V1 event carries, so `hearth audit` answers who had database user X, and when. */
export function leaseFacts(
  lease: { leaseId: string; role: string; engine: string; username: string; workspace: string | null },
  by: string,
): LeaseFacts {
  return {
    path: lease.leaseId,
    lease_id: lease.leaseId,
    role: lease.role,
    engine: lease.engine,
    username: lease.username,
    workspace_slug: lease.workspace,
    by,
  };
}
