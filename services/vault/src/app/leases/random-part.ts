import { randomBytes } from 'node:crypto';
import { randomPartOf } from '../../domain/lease/lease.js';

/** `length` random lowercase letters and digits, from the system's CSPRNG. */
export function randomPart(length: number): string {
  for (;;) {
    // Twice the bytes needed: a byte is passed over with probability 4/256, so a second draw is rare.
    const part = randomPartOf(randomBytes(length * 2), length);
    if (part !== null) return part;
  }
}
