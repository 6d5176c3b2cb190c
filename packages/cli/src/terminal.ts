/**
 * Everything the CLI prints passes here. Text from elsewhere (an audit record's actor, a driver's
 * reason, a secret's path, a service's log line) may hold control characters; printed raw, an escape
 * sequence rewrites the operator's screen, sets the window title or hides what follows, and a bidi
 * override reorders what the eye reads. Each such character is shown as its `\uXXXX` form instead:
 * visible, and inside a JSON string the same character it was, so `--json` output stays valid.
 */

// C0 and C1 controls and DEL, the bidi embeddings, overrides and isolates, line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escaped = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `text` with its control characters made visible; newlines and tabs kept (multi-line output). */
export function neutralise(text: string): string {
  return text.replace(CONTROL_BUT_LINES, escaped);
}

/** `text` as one line: newlines and tabs made visible too, so a field cannot forge a line of its own. */
export function oneLine(text: string): string {
  return text.replace(CONTROL, escaped);
}

/** Prints to stdout, neutralised. */
export function printOut(text: string): void {
  console.log(neutralise(text));
}

/** Prints to stderr, neutralised. */
export function printErr(text: string): void {
  console.error(neutralise(text));
}
