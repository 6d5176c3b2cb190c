import { imageBaseName } from '@hearth/contracts';
import { KNOWN_SIDECARS, type KnownSidecar } from './known-sidecars.js';

/** An image reference's base name (contracts' sidecar catalog: the web console's picker matches by it too). */
export { imageBaseName };

/** The catalog row an image matches by its base name exactly, or null (`mypostgres` is not `postgres`). */
export function knownSidecarFor(reference: string): KnownSidecar | null {
  const name = imageBaseName(reference);
  return KNOWN_SIDECARS.find((row) => row.image === name) ?? null;
}

/** The label a local image carries naming its catalog row (`io.hearth.catalog=postgres`). */
export const CATALOG_LABEL = 'io.hearth.catalog';

/** What the engine says an image is: its tags and its labels. */
export interface ImageIdentity {
  readonly repoTags: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** How the driver knows an image: its catalog row, or none; and whether it knows what the image is at all. */
export interface ImageRecognition {
  readonly known: KnownSidecar | null;
  /** False for an image named by id or digest that carries neither a catalog label nor a tag. */
  readonly identified: boolean;
}

/** True when `reference` names an image by its id or digest, which says nothing of what the image is. */
export function namesByIdentity(reference: string): boolean {
  return reference.includes('@') || /^(sha256:)?[0-9a-f]{12,64}$/i.test(reference);
}

/**
 * The catalog applies by the image's identity, not by how a spec spells it: the catalog label the
 * engine reports first (Hearth's local images carry it), then the image's tags, the one the spec
 * names first; a reference by id or digest is no name. Without the engine's word (`identity`
 * undefined, or null for an image it does not have) only the reference's own name counts.
 */
export function recogniseImage(reference: string, identity?: ImageIdentity | null): ImageRecognition {
  const label = identity?.labels[CATALOG_LABEL];
  if (label !== undefined) {
    return { known: KNOWN_SIDECARS.find((row) => row.image === label) ?? null, identified: true };
  }
  const names = [...(namesByIdentity(reference) ? [] : [reference]), ...(identity?.repoTags ?? [])];
  for (const name of names) {
    const known = knownSidecarFor(name);
    if (known !== null) return { known, identified: true };
  }
  return { known: null, identified: names.length > 0 };
}
