import { describe, expect, it } from '@jest/globals';
import { CATALOG_LABEL, imageBaseName, knownSidecarFor, recogniseImage } from './image-name.js';

describe('an image reference', () => {
  it.each([
    ['postgres:16-alpine', 'postgres'],
    ['docker.io/library/postgres:17', 'postgres'],
    [`harbor.acme.io/library/postgres:16@sha256:${'a'.repeat(64)}`, 'postgres'],
    ['localhost:5000/postgres:latest', 'postgres'],
    ['postgres', 'postgres'],
    ['hearth-test/postgres:15', 'postgres'],
    ['mypostgres', 'mypostgres'],
    ['postgres-exporter:0.15', 'postgres-exporter'],
    ['bitnami/postgresql:16', 'postgresql'],
    ['registry.example.com:443/team/Redis:7@sha256:abc', 'redis'],
  ])('%s has the base name %s', (reference, base) => {
    expect(imageBaseName(reference)).toBe(base);
  });

  it.each([
    'postgres:16-alpine',
    'docker.io/library/postgres:17',
    `harbor.acme.io/library/postgres:16@sha256:${'0'.repeat(64)}`,
    'localhost:5000/postgres:latest',
  ])('%s is the catalog’s postgres', (reference) => {
    expect(knownSidecarFor(reference)?.image).toBe('postgres');
  });

  it.each(['mypostgres', 'postgres-exporter', 'bitnami/postgresql', 'redis:7', 'busybox'])(
    '%s is not in the catalog',
    (reference) => {
      expect(knownSidecarFor(reference)).toBeNull();
    },
  );
});

describe('an image recognised by its identity', () => {
  const postgresId = `sha256:${'b'.repeat(64)}`;

  it('finds the row by the catalog label the engine reports, however the spec names the image', () => {
    for (const reference of [postgresId, 'b'.repeat(12), `mydb@sha256:${'b'.repeat(64)}`, 'mydb:1']) {
      expect(recogniseImage(reference, { repoTags: [], labels: { [CATALOG_LABEL]: 'postgres' } })).toEqual({
        known: expect.objectContaining({ image: 'postgres' }) as unknown,
        identified: true,
      });
    }
  });

  it('else by the image’s tags, so a retagged or id-named postgres is still postgres', () => {
    const identity = { repoTags: ['mydb:1', 'hearth-test/postgres:15'], labels: {} };
    expect(recogniseImage('mydb:1', identity).known?.image).toBe('postgres');
    expect(recogniseImage(postgresId, identity).known?.image).toBe('postgres');
  });

  it('prefers the tag the spec names among several rows', () => {
    const identity = { repoTags: ['hearth-test/mariadb:10.11', 'hearth-test/mysql:10.11'], labels: {} };
    expect(recogniseImage('hearth-test/mysql:10.11', identity).known?.image).toBe('mysql');
  });

  it('knows an image outside the catalog by its tag, with no row', () => {
    expect(recogniseImage(postgresId, { repoTags: ['busybox:1'], labels: {} })).toEqual({
      known: null,
      identified: true,
    });
  });

  it('cannot identify an image named by id or digest with neither label nor tag', () => {
    for (const identity of [{ repoTags: [], labels: {} }, null, undefined]) {
      expect(recogniseImage(postgresId, identity)).toEqual({ known: null, identified: false });
      expect(recogniseImage(`postgres@sha256:${'b'.repeat(64)}`, identity)).toEqual({
        known: null,
        identified: false,
      });
    }
  });

  it('without the engine’s word, goes by the reference’s name', () => {
    expect(recogniseImage('postgres:16').known?.image).toBe('postgres');
  });
});
