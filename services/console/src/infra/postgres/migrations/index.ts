import { PlatformSchema1763800000000 } from '@hearth/platform/postgres';
import { ConsoleSchema1763800000100 } from './1763800000100-console-schema.js';

export const consoleMigrations = [PlatformSchema1763800000000, ConsoleSchema1763800000100];
