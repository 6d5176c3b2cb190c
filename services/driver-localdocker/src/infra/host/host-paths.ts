import { realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import type { HostPaths } from '../../app/ports.js';

/** The code of a file system error, if it has one. */
function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

/**
 * Bind sources resolved on this host with realpath(3). A source that does not exist yet is resolved
 * through its deepest existing ancestor, so `/tmp/link-to-var-lib/docker/x` is seen under
 * `/var/lib/docker` even though the engine has still to create `x`. Any other failure (a directory
 * the driver may not read) propagates: the provisioning fails rather than bind a path unchecked.
 */
export const realHostPaths: HostPaths = {
  async resolve(path: string): Promise<string> {
    const missing: string[] = [];
    let existing = posix.normalize(path);
    for (;;) {
      try {
        return posix.join(await realpath(existing), ...missing.reverse());
      } catch (error) {
        const code = codeOf(error);
        if ((code !== 'ENOENT' && code !== 'ENOTDIR') || existing === '/') throw error;
        missing.push(posix.basename(existing));
        existing = posix.dirname(existing);
      }
    }
  },
};
