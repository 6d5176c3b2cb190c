/** Architecture rules `pnpm check` enforces. */
module.exports = {
  forbidden: [
    {
      name: 'pure-domain',
      comment:
        "A service's domain/ is pure: it imports nothing from app/, infra/ or transport/, nor I/O libraries, nor the platform (event store, NATS, logging: all I/O).",
      severity: 'error',
      from: { path: '^services/[^/]+/src/domain/' },
      to: {
        path: [
          '^services/[^/]+/src/(app|infra|transport)/',
          '^packages/platform/',
          'node_modules/(typeorm|pg|@nats-io|@nestjs|dockerode|@hearth/platform)/',
        ],
      },
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
      extensions: ['.ts', '.js'],
    },
  },
};
