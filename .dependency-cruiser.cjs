/** Architecture rules `pnpm check` enforces. */
module.exports = {
  forbidden: [
    {
      name: 'pure-domain',
      comment:
        "A service's domain/ is pure: it imports nothing from app/, infra/ or transport/, nor I/O libraries, nor the platform (event store, NATS, logging: all I/O) but its ports (interfaces only).",
      severity: 'error',
      from: { path: '^services/[^/]+/src/domain/' },
      to: {
        path: [
          '^services/[^/]+/src/(app|infra|transport)/',
          '^packages/platform/',
          'node_modules/(typeorm|pg|@nats-io|@nestjs|dockerode|@hearth/platform)/',
        ],
        pathNot: '^packages/platform/(src|dist)/ports/',
      },
    },
    {
      name: 'app-not-infra',
      comment:
        'Use cases talk to ports (app/ports.ts, @hearth/platform/ports): infra/ implements them, and only the composition root joins the two. No TypeORM or pg in app/.',
      severity: 'error',
      // A medium test beside its use case may build the real adapters it runs against.
      from: { path: '^services/[^/]+/src/app/', pathNot: '\\.spec\\.ts$' },
      to: { path: ['^services/[^/]+/src/infra/', 'node_modules/(typeorm|pg)/'] },
    },
    {
      name: 'transport-not-infra',
      comment: 'Edges decode, call a use case and encode: they reach no adapter of their own.',
      severity: 'error',
      from: { path: '^services/[^/]+/src/transport/' },
      to: { path: ['^services/[^/]+/src/infra/', 'node_modules/(typeorm|pg)/'] },
    },
    {
      name: 'app-not-transport',
      comment: 'Use cases know nothing of HTTP or NATS edges.',
      severity: 'error',
      from: { path: '^services/[^/]+/src/app/' },
      to: { path: ['^services/[^/]+/src/transport/', 'node_modules/@nestjs/'] },
    },
    {
      name: 'no-service-to-service',
      comment: 'Services talk over the bus, never by importing each other.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'contracts-stand-alone',
      comment: 'Contracts hold shapes, not logic: they import no other workspace package.',
      severity: 'error',
      from: { path: '^packages/contracts/' },
      to: { path: '^(packages/(?!contracts)|services/)' },
    },
    {
      name: 'web-browser-safe',
      comment:
        'The web console runs in a browser: of the workspace it imports only @hearth/contracts/web (schemas, no NATS, libsodium or node: modules); a spec may use libsodium to prove the seal.',
      severity: 'error',
      from: { path: '^packages/web/', pathNot: '\\.spec\\.ts$' },
      to: {
        path: [
          '^services/',
          '^packages/(?!web/|contracts/)',
          '^packages/contracts/(?!(src|dist)/web\\.)',
          'node_modules/(@nats-io|libsodium)',
        ],
      },
    },
    {
      name: 'cli-starts-light',
      comment:
        "The CLI starts in ~0.5 s of CPU, not 1.5 s: platform/nats, its way to the bus, loads neither NestJS nor the OpenTelemetry SDK, which only a service's start needs (the Nest transport lives in platform/nest, the SDK in telemetry/sdk.ts).",
      severity: 'error',
      from: { path: '^packages/platform/src/nats/', pathNot: '\\.spec\\.ts$' },
      to: { path: ['node_modules/@nestjs/', 'node_modules/@opentelemetry/sdk-'], reachable: true },
    },
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    // Workspace packages resolve to their dist/ (package exports): dist must stay in the graph as a
    // leaf, or every import of @hearth/* vanishes and no rule about packages can ever fire.
    doNotFollow: { path: ['node_modules', '(^|/)dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js'],
    },
  },
};
