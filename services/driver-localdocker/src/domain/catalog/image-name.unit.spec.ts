import { describe, expect, it } from '@jest/globals';
import { imageBaseName, knownSidecarFor } from './image-name.js';

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
