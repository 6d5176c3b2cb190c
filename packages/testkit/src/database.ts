import { dropDatabase, ensureDatabase, PlatformEnv } from '@hearth/platform';
import { randomBytes } from 'node:crypto';

export const pgEnv = PlatformEnv.parse(process.env);

export interface TestDatabase {
  name: string;
  drop(): Promise<void>;
}

/** A fresh, uniquely named database, dropped by `drop()`. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_t${randomBytes(4).toString('hex')}`;
  await ensureDatabase(pgEnv, name);
  return { name, drop: () => dropDatabase(pgEnv, name) };
}
