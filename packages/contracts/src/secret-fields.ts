/** The one list of field names that mark secret material: hatch refuses an event holding one, loggers redact them. */
export const SECRET_FIELD_NAMES: readonly string[] = [
  'value',
  'values',
  'password',
  'secret',
  'token',
  'private_key',
  'api_key',
  'secret_key',
  'authorization',
  'cookie',
];
/** … and names ending so (`client_secret`, `db_password`, `access_token`). Not `_key`: `public_key` is no secret. */
export const SECRET_FIELD_SUFFIXES: readonly string[] = [
  '_password',
  '_secret',
  '_token',
  '_private_key',
  '_api_key',
  '_secret_key',
];

const NAMES: ReadonlySet<string> = new Set(SECRET_FIELD_NAMES);

/** `clientSecret`, `Client-Secret` and `CLIENT_SECRET` all read as `client_secret`: emitters differ in naming style. */
export function snakeCaseOf(key: string): string {
  return key
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s.]+/g, '_')
    .toLowerCase();
}

/** Whether a field name marks secret material, however it is spelt. */
export function isSecretFieldName(key: string): boolean {
  const name = snakeCaseOf(key);
  return NAMES.has(name) || SECRET_FIELD_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/** The usual spellings of a snake_case name: `api_key`, `apiKey`, `ApiKey`, `API_KEY`, `api-key`. */
export function spellingsOf(name: string): string[] {
  const words = name.split('_');
  const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
  const camel = words[0] + words.slice(1).map(capital).join('');
  return [...new Set([name, camel, words.map(capital).join(''), name.toUpperCase(), words.join('-')])];
}

/** The first path at which `data` holds a secret-looking field, or null. */
export function findSecretField(data: unknown, path: string[] = []): string | null {
  if (Array.isArray(data)) {
    for (const [i, item] of data.entries()) {
      const found = findSecretField(item, [...path, String(i)]);
      if (found) return found;
    }
    return null;
  }
  if (data === null || typeof data !== 'object') return null;
  for (const [key, value] of Object.entries(data)) {
    if (isSecretFieldName(key)) return [...path, key].join('.');
    const found = findSecretField(value, [...path, key]);
    if (found) return found;
  }
  return null;
}

/**
 * Whether an environment setting holds or names a secret (a key, token, seed, password, KEK; by value
 * or by `_FILE`): by its name's shape rather than a list, so one added later is withheld from the
 * processes it is not for too. Public keys (and HEARTH_SERVICE_KEYS, every service's) are not secrets.
 */
export function isSecretSetting(name: string): boolean {
  const base = name.replace(/_FILE$/, '');
  if (/(PUBLIC_KEYS?|SERVICE_KEYS)$/.test(base)) return false; // HEARTH_SERVICE_KEYS: the services' public keys
  return /PASSWORD|(^|_)(TOKEN|SECRET|SEED|KEKS?|KEYS?)(_|$)/.test(base);
}
