import type { KnownSidecarImage } from '@hearth/contracts';

/**
 * The known-sidecar catalog: the images whose root credential Hearth generates, keeps in the vault
 * and never shows to anyone. A new row is a reviewed change to this file, not "any image we
 * recognise": the behaviour stays auditable. Rows match an image by its base name (image-name.ts).
 *
 * Each row says which defaults the image gets (`sugar`, overridable by the spec's env), which
 * variables a spec may not set at all (`forbiddenEnv`: the image's switches that let a login in
 * without the credential, or replace it by a value the vault never saw), how its
 * credential reaches it (`file`: the variable `<env>_FILE` names a file holding the value; `config`:
 * where the image reads no `_FILE`, a settings file it reads by itself assigns the value; either way
 * `docker inspect` shows no value), where clients reach it on the workspace network, and the check
 * that proves it is ready: a shell line run by `docker exec` inside the container that logs in with
 * the credential over TCP to the container's own address (a socket or loopback login is trusted by
 * these images and proves nothing).
 */
export interface KnownSidecar {
  /** The image's base name: no registry, path, tag or digest; one of contracts' SIDECAR_CATALOG, which the web console offers. */
  readonly image: KnownSidecarImage;
  readonly sugar: Readonly<Record<string, string>>;
  /**
   * Variables the image reads that would defeat the generated credential (trust or empty-password
   * switches, another root password or hash, security turned off), with any value: the driver, not
   * the spec, decides how the sidecar authenticates. The credential's own variable and its `_FILE`
   * are refused apart from these (DRIVER.CREDENTIAL_CONFLICT).
   */
  readonly forbiddenEnv: readonly string[];
  readonly credential: {
    readonly name: string;
    /** The variable the image reads the value from, which a spec may not set (nor its `_FILE`). */
    readonly env: string;
    readonly delivery: 'file' | 'config';
    /** For delivery by config: the file, put in before the container starts, and its line `<setting> = <value>`. */
    readonly config?: { readonly file: string; readonly setting: string };
  };
  readonly endpoint: { readonly scheme: string; readonly port: number; readonly path: string };
  /**
   * What the vault knows the credential as: a system credential type (credential-types.ts) whose
   * fields besides the password say where and as whom clients log in. The login's user is the
   * effective env's variable (the sugar's default unless the spec sets it) or a fixed name.
   */
  readonly typed: {
    readonly type: 'postgres' | 'mysql' | 'rabbitmq' | 'mongodb' | 'http_basic';
    readonly user: { readonly env: string } | { readonly name: string };
    readonly database?: string;
  };
  readonly readiness: string;
  /** A login over TCP to the container's own address with the password on stdin: exit 0 when it is let in. */
  readonly login: string;
  /**
   * How a new password is applied, or null where the driver cannot change it. `script` reads the
   * current password, the new one and `statement` (the row's way of naming the new value, which
   * never holds it in clear where the server would log it), one a line on stdin; it logs in with
   * whichever of the two works (exit 3 when neither does) and sets the new one.
   */
  readonly rotation: { readonly statement: 'scram' | 'mysql-native' | 'none'; readonly script: string } | null;
}

/** The container's own address on its network (`hostname -i` may list more than one). */
const OWN_ADDRESS = `"$(hostname -i | cut -d' ' -f1)"`;

/**
 * Succeeds once something in the container listens on TCP `port`. Read from /proc, which every image
 * has: it costs nothing, where a client or a CLI may take seconds to start.
 */
const listensOn = (port: number) =>
  `grep -qsE ':${port.toString(16).toUpperCase().padStart(4, '0')} [0-9A-F]+:0000 0A ' /proc/net/tcp /proc/net/tcp6`;

/** `pw` := the credential, whether it came by file or by env. */
const credentialOf = (env: string) => `pw="\${${env}:-}"; [ -n "$pw" ] || pw="$(cat "\${${env}_FILE}")"`;

/** `pw` := the first line of stdin: how the driver hands a value to a shell in the container. */
const PASSWORD_FROM_STDIN = 'IFS= read -r pw';

/** Reads the current and the new password, then the row's statement, from stdin. */
const ROTATION_INPUT = 'IFS= read -r current; IFS= read -r next; IFS= read -r statement';

/**
 * Logs in as `login(<password>)` does with the new password, else the current one (`pw` := the one
 * that works); exit 3 when neither does. A second apply after the first got through finds the new
 * one already working: applying is idempotent.
 */
const loginWithEither = (login: (password: string) => string) =>
  `if ${login('"$next"')}; then pw="$next"; elif ${login('"$current"')}; then pw="$current"; else exit 3; fi`;

const psqlLogin = (password: string) =>
  `PGPASSWORD=${password} PGCONNECT_TIMEOUT=3 psql -h ${OWN_ADDRESS} -U "\${POSTGRES_USER:-postgres}" -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1`;
const mysqlLogin = (client: string) => (password: string) =>
  `MYSQL_PWD=${password} ${client} --connect-timeout=3 -h ${OWN_ADDRESS} -uroot -e 'SELECT 1' >/dev/null 2>&1`;
const rabbitLogin = (password: string) =>
  `printf '%s' ${password} | rabbitmqctl -q authenticate_user "$RABBITMQ_DEFAULT_USER" >/dev/null 2>&1`;

/** Applies the new password's statement by `client` over TCP, logged in as `login` says. */
const mysqlRotation = (client: string) =>
  `${ROTATION_INPUT}; ${loginWithEither(mysqlLogin(client))}; ` +
  `printf '%s\n' "$statement" | MYSQL_PWD="$pw" ${client} --connect-timeout=3 -h ${OWN_ADDRESS} -uroot`;

/**
 * RabbitMQ reads no RABBITMQ_DEFAULT_PASS_FILE (the official image refuses to start with one) but
 * reads `default_pass` from /etc/rabbitmq/conf.d/*.conf, where that image keeps its own settings.
 * RABBITMQ_DEFAULT_PASS, which `docker inspect` would show, takes precedence over it.
 */
const RABBITMQ_CREDENTIAL_CONFIG = { file: '/etc/rabbitmq/conf.d/90-hearth-credential.conf', setting: 'default_pass' };

const mongoLogin =
  `HEARTH_PW="$pw" mongosh --quiet --host ${OWN_ADDRESS} ` +
  `--eval 'db.getSiblingDB("admin").auth(process.env.MONGO_INITDB_ROOT_USERNAME, process.env.HEARTH_PW).ok' >/dev/null`;
const elasticLogin =
  `printf 'user = "elastic:%s"\\n' "$pw" | ` +
  `curl -fsSk --max-time 3 -K - "https://${OWN_ADDRESS.slice(1, -1)}:9200/" >/dev/null`;

export const KNOWN_SIDECARS: readonly KnownSidecar[] = [
  {
    image: 'postgres',
    sugar: { POSTGRES_USER: 'postgres' },
    // `trust` lets any password in; `password`/`md5` would still be weaker than the image's SCRAM.
    forbiddenEnv: ['POSTGRES_HOST_AUTH_METHOD'],
    credential: { name: 'POSTGRES_PASSWORD', env: 'POSTGRES_PASSWORD', delivery: 'file' },
    endpoint: { scheme: 'postgres', port: 5432, path: '/postgres' },
    typed: { type: 'postgres', user: { env: 'POSTGRES_USER' }, database: 'postgres' },
    readiness: `${credentialOf('POSTGRES_PASSWORD')}; ${psqlLogin('"$pw"')}`,
    login: `${PASSWORD_FROM_STDIN}; ${psqlLogin('"$pw"')}`,
    // The statement is `ALTER ROLE … PASSWORD '<SCRAM verifier>'`: the server never sees the password.
    rotation: {
      statement: 'scram',
      script:
        `${ROTATION_INPUT}; ${loginWithEither(psqlLogin)}; printf '%s\n' "$statement" | PGPASSWORD="$pw" ` +
        `PGCONNECT_TIMEOUT=3 psql -h ${OWN_ADDRESS} -U "\${POSTGRES_USER:-postgres}" -d postgres -v ON_ERROR_STOP=1 -Atq >/dev/null`,
    },
  },
  {
    image: 'mariadb',
    sugar: {},
    // The image also honours the MYSQL_* names of these; MARIADB_ROOT_PASSWORD_HASH sets root's
    // password without the vault's value.
    forbiddenEnv: [
      'MARIADB_ALLOW_EMPTY_ROOT_PASSWORD',
      'MARIADB_RANDOM_ROOT_PASSWORD',
      'MARIADB_ROOT_PASSWORD_HASH',
      'MYSQL_ALLOW_EMPTY_PASSWORD',
      'MYSQL_RANDOM_ROOT_PASSWORD',
      'MYSQL_ROOT_PASSWORD',
      'MYSQL_ROOT_PASSWORD_FILE',
    ],
    credential: { name: 'MARIADB_ROOT_PASSWORD', env: 'MARIADB_ROOT_PASSWORD', delivery: 'file' },
    endpoint: { scheme: 'mysql', port: 3306, path: '' },
    typed: { type: 'mysql', user: { name: 'root' } },
    readiness: `${credentialOf('MARIADB_ROOT_PASSWORD')}; ${mysqlLogin('mariadb')('"$pw"')}`,
    login: `${PASSWORD_FROM_STDIN}; ${mysqlLogin('mariadb')('"$pw"')}`,
    // `ALTER USER … IDENTIFIED WITH mysql_native_password AS '<hash>'`: the server never sees the password.
    rotation: { statement: 'mysql-native', script: mysqlRotation('mariadb') },
  },
  {
    image: 'mysql',
    sugar: {},
    // A random root password is one the vault never holds; MYSQL_ONETIME_PASSWORD expires it.
    forbiddenEnv: ['MYSQL_ALLOW_EMPTY_PASSWORD', 'MYSQL_RANDOM_ROOT_PASSWORD', 'MYSQL_ONETIME_PASSWORD'],
    credential: { name: 'MYSQL_ROOT_PASSWORD', env: 'MYSQL_ROOT_PASSWORD', delivery: 'file' },
    endpoint: { scheme: 'mysql', port: 3306, path: '' },
    typed: { type: 'mysql', user: { name: 'root' } },
    readiness: `${credentialOf('MYSQL_ROOT_PASSWORD')}; ${mysqlLogin('mysql')('"$pw"')}`,
    login: `${PASSWORD_FROM_STDIN}; ${mysqlLogin('mysql')('"$pw"')}`,
    rotation: { statement: 'mysql-native', script: mysqlRotation('mysql') },
  },
  {
    image: 'mongo',
    sugar: { MONGO_INITDB_ROOT_USERNAME: 'root' },
    // The entrypoint enables authentication only when both root variables are set: blanking the
    // sugar's user is refused for every row (deployment-plan.ts), so nothing else is left to forbid.
    forbiddenEnv: [],
    credential: { name: 'MONGO_INITDB_ROOT_PASSWORD', env: 'MONGO_INITDB_ROOT_PASSWORD', delivery: 'file' },
    endpoint: { scheme: 'mongodb', port: 27017, path: '' },
    typed: { type: 'mongodb', user: { env: 'MONGO_INITDB_ROOT_USERNAME' }, database: 'admin' },
    readiness: `${credentialOf('MONGO_INITDB_ROOT_PASSWORD')}; ${mongoLogin}`,
    login: `${PASSWORD_FROM_STDIN}; ${mongoLogin}`,
    rotation: null,
  },
  {
    image: 'rabbitmq',
    sugar: { RABBITMQ_DEFAULT_USER: 'admin' },
    // A cookie the spec chose lets anyone on the network who knows it run rabbitmqctl against the
    // node (add a user, change a password) without the credential. Another directory of config
    // files leaves the credential's file unread, and the password RabbitMQ's default.
    forbiddenEnv: ['RABBITMQ_ERLANG_COOKIE', 'RABBITMQ_CONFIG_FILES'],
    credential: {
      name: 'RABBITMQ_DEFAULT_PASS',
      env: 'RABBITMQ_DEFAULT_PASS',
      delivery: 'config',
      config: RABBITMQ_CREDENTIAL_CONFIG,
    },
    endpoint: { scheme: 'amqp', port: 5672, path: '' },
    typed: { type: 'rabbitmq', user: { env: 'RABBITMQ_DEFAULT_USER' } },
    // The CLI boots an Erlang VM (seconds on a busy host), so it runs once, and only when the node
    // listens for AMQP: its boot has then created the default user, and written the Erlang cookie.
    // A CLI run as root before that writes a cookie of its own, which the node (another user)
    // cannot read, and the node never starts. The same holds for a check or a rotation, which may
    // come right after a restart.
    readiness:
      `${listensOn(5672)} && ` +
      `pw="$(sed -n 's/^${RABBITMQ_CREDENTIAL_CONFIG.setting} = //p' ${RABBITMQ_CREDENTIAL_CONFIG.file})" && ` +
      rabbitLogin('"$pw"'),
    login: `${PASSWORD_FROM_STDIN}; ${listensOn(5672)} && ${rabbitLogin('"$pw"')}`,
    // rabbitmqctl reads the new password from stdin when the command line has none.
    rotation: {
      statement: 'none',
      script:
        `${ROTATION_INPUT}; ${listensOn(5672)} || exit 4; ${loginWithEither(rabbitLogin)}; ` +
        `printf '%s\n' "$next" | rabbitmqctl -q change_password "$RABBITMQ_DEFAULT_USER" >/dev/null`,
    },
  },
  {
    image: 'elasticsearch',
    sugar: { 'discovery.type': 'single-node' },
    // Security off means no login at all; anonymous roles let in a request without credentials.
    // The image reads settings both as dotted names and as ES_SETTING_* variables.
    forbiddenEnv: [
      'xpack.security.enabled',
      'xpack.security.authc.anonymous.roles',
      'ES_SETTING_XPACK_SECURITY_ENABLED',
      'ES_SETTING_XPACK_SECURITY_AUTHC_ANONYMOUS_ROLES',
    ],
    credential: { name: 'ELASTIC_PASSWORD', env: 'ELASTIC_PASSWORD', delivery: 'file' },
    endpoint: { scheme: 'https', port: 9200, path: '' },
    typed: { type: 'http_basic', user: { name: 'elastic' } },
    readiness: `${credentialOf('ELASTIC_PASSWORD')}; ${elasticLogin}`,
    login: `${PASSWORD_FROM_STDIN}; ${elasticLogin}`,
    rotation: null,
  },
];

/**
 * Variables that weaken a login on the images Hearth knows of, whatever the value: trust or
 * empty-password switches, random or hashed root passwords the vault never holds, a chosen Erlang
 * cookie, security settings. An image the driver cannot identify (named by id or digest, with
 * neither catalog label nor tag) may be any of them, so it gets these and every row's
 * `forbiddenEnv`; an image known by name gets its own row's only.
 */
export const WEAKENING_ENV: readonly RegExp[] = [
  /_HOST_AUTH_METHOD$/i,
  /ALLOW_EMPTY_(ROOT_)?PASSWORD/i,
  /RANDOM_ROOT_PASSWORD/i,
  /ROOT_PASSWORD_HASH/i,
  /ONETIME_PASSWORD/i,
  /ERLANG_COOKIE/i,
  /^xpack\.security\./i,
  /^ES_SETTING_XPACK_SECURITY_/i,
];
