import { ErrorCode, HearthError } from '@hearth/contracts';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';

const invalid = (message: string) => new HearthError(ErrorCode.InvalidRequest, message);
const isJson = (path: string) => path.toLowerCase().endsWith('.json');

/**
 * A file holding one request body as a mapping (a role, a deployment): JSON when its name ends in
 * `.json`, YAML otherwise. Never echoes the file's text: it may hold what its author would not print.
 * `what` names the body in the refusals ("one role").
 */
export function parseSpecFile(text: string, path: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = isJson(path) ? JSON.parse(text) : parseYaml(text);
  } catch {
    throw invalid(`${path} is not valid ${isJson(path) ? 'JSON' : 'YAML'}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(`${path} must hold ${what}: its fields as a mapping`);
  }
  return { ...(parsed as Record<string, unknown>) };
}

export async function readSpecFile(path: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw invalid(`cannot read ${path}`);
  }
  return parseSpecFile(text, path, what);
}
