// typeorm lists every driver it supports as an optional peer. The vault now depends on mysql2 and
// ioredis (to test credentials, not as typeorm drivers), which would give the vault its own typeorm
// instance beside the one platform and testkit share, and their DataSource types would no longer
// match. Hearth's typeorm only ever drives pg.
module.exports = {
  hooks: {
    readPackage(pkg) {
      if (pkg.name === 'typeorm' && pkg.peerDependencies) {
        for (const peer of ['mysql2', 'ioredis']) {
          delete pkg.peerDependencies[peer];
          if (pkg.peerDependenciesMeta) delete pkg.peerDependenciesMeta[peer];
        }
      }
      return pkg;
    },
  },
};
