import type { Status } from '@hearth/contracts';

/**
 * Where the console says a workspace's deployment is: its status when it lives on this driver's
 * engine, `elsewhere` when it lives on another engine, `null` when the console knows none.
 */
export type Whereabouts = Status | 'elsewhere' | null;

/** What the console told the driver about a workspace, or `unanswered` (an error, a timeout, an answer that did not verify). */
export type ConsoleAnswer = Whereabouts | 'unanswered';

/**
 * What the reconcile does with a workspace's containers and generated credential:
 * - `destroy`: remove the containers and network and destroy the credential;
 * - `hold`: stop the containers (not remove them) and keep the credential, for an operator to look at;
 * - `restart`: start what is stopped;
 * - `leave`: touch nothing.
 */
export type WorkspaceFate = 'destroy' | 'hold' | 'restart' | 'leave';

/**
 * Destroying is for positive evidence only: the console saying the deployment is deprovisioned or
 * failed. A workspace the console does not know (its projection lost, or an answer saying so) is
 * held: its sidecars stop serving, nothing is lost, and an answer that knows it again restarts them.
 * An unanswered question changes nothing: stopping on it would let a console outage, or anyone who
 * can spoil an answer, take every workspace down. A command pending (requested, provisioning,
 * deprovisioning) finishes or undoes what is there, so it is left to that command. What this engine
 * holds of a deployment the console places on another engine is no deployment of this engine's:
 * held like an unknown one (the reconcile never touches that other engine's credential).
 */
export function workspaceFate(answer: ConsoleAnswer): WorkspaceFate {
  if (answer === null || answer === 'elsewhere') return 'hold';
  switch (answer) {
    case 'deprovisioned':
    case 'failed':
      return 'destroy';
    case 'ready':
      return 'restart';
    case 'requested':
    case 'provisioning':
    case 'deprovisioning':
    case 'unanswered':
      return 'leave';
    default: {
      const unexpected: never = answer;
      throw new Error(`unknown console answer ${String(unexpected)}`);
    }
  }
}
