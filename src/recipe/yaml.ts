import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isScalar, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import type { ParseCache } from './parse-cache.js';

/**
 * Strict YAML for recipes and config: YAML 1.2 core schema (no `yes` booleans, no sexagesimal),
 * duplicate keys refused, few aliases allowed (alias bombs), and keys that would reach an
 * object's prototype refused before any value is used.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_ALIASES = 20;
/** Bump when parseYaml gives other values for the same text: it keys the recipe parse cache. */
export const PARSE_VERSION = 1;

export interface ParsedYaml {
  value: unknown;
  document: Document;
  lines: LineCounter;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(top level)';
}

function lineOf(parsed: ParsedYaml, path: ReadonlyArray<PropertyKey>): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = parsed.document.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return parsed.lines.linePos(node.range[0]).line;
  }
  return undefined;
}

export function parseYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const document = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: false, lineCounter: lines, version: '1.2' });
  const [first] = document.errors;
  if (first) {
    const line = first.linePos?.[0]?.line;
    throw new ConfigError(`${file}: ${first.message.split('\n')[0]}${line ? ` (line ${line})` : ''}`);
  }
  visit(document, {
    Pair(_, pair, path) {
      if (isScalar(pair.key) && FORBIDDEN_KEYS.has(String(pair.key.value))) {
        const keys = path.filter(isMap).length;
        const line = pair.key.range ? lines.linePos(pair.key.range[0]).line : undefined;
        throw new ConfigError(
          `${file}: key "${String(pair.key.value)}" is not allowed (it could alter object prototypes)${line ? ` (line ${line})` : ''}`,
          { cause: keys },
        );
      }
    },
  });
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    throw new ConfigError(`${file}: ${(error as Error).message}`);
  }
  return { value, document, lines };
}

function typeName(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : typeof value;
}

function describeIssue(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  if (issue.code === 'unrecognized_keys') {
    const [key] = issue.keys;
    return { path: [...issue.path, key!], message: `unknown key${issue.keys.length > 1 ? ` (also: ${issue.keys.slice(1).join(', ')})` : ''}` };
  }
  const input = (issue as { input?: unknown }).input;
  const hint = typeof input === 'number' ? ' (quote it: YAML reads 1.10 as the number 1.1)' : '';
  if (issue.code === 'invalid_type') {
    return { path: [...issue.path], message: `expected ${issue.expected}, got ${typeName(input)}${issue.expected === 'string' ? hint : ''}` };
  }
  if (issue.code === 'invalid_union') {
    if ('discriminator' in issue) return { path: [...issue.path, String(issue.discriminator)], message: issue.message };
    const branches = issue.errors;
    // A value of the wrong type for every branch: say which types would do.
    if (branches.every((branch) => branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0)) {
      const expected = branches.map((branch) => (branch[0] as { expected: string }).expected);
      return { path: [...issue.path], message: `expected ${expected.join(' or ')}, got ${typeName(input)}${expected.includes('string') ? hint : ''}` };
    }
    // Otherwise explain the branch that came closest: the one with a matching type.
    const closest = branches.find((branch) => branch.every((inner) => inner.code !== 'invalid_type' || inner.path.length > 0)) ?? branches[0];
    const first = closest?.[0];
    if (first) {
      const inner = describeIssue(first);
      return { path: [...issue.path, ...inner.path], message: inner.message };
    }
  }
  return { path: [...issue.path], message: issue.message };
}

/** Validate parsed YAML; errors read `recipes/foo.yaml: build.configure[2]: message (line N)`. */
export function validate<T extends z.ZodType>(schema: T, parsed: ParsedYaml, file: string): z.infer<T> {
  const result = schema.safeParse(parsed.value, { reportInput: true });
  if (result.success) return result.data;
  const messages = result.error.issues.map((issue) => {
    const { path, message } = describeIssue(issue);
    const line = lineOf(parsed, path);
    return `${file}: ${formatPath(path)}: ${message}${line ? ` (line ${line})` : ''}`;
  });
  throw new ConfigError(messages.join('\n'));
}

/**
 * Read, parse and validate a YAML file. With a cache, a text parsed before skips the parser but is
 * validated all the same; if it is invalid, it is parsed again for the error's line numbers.
 */
export function loadYamlFile<T extends z.ZodType>(schema: T, file: string, displayName = file, cache?: ParseCache): z.infer<T> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${displayName}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return validateYamlText(schema, text, displayName, cache);
}

/** loadYamlFile for a text already read. */
export function validateYamlText<T extends z.ZodType>(schema: T, text: string, displayName: string, cache?: ParseCache): z.infer<T> {
  const known = cache?.get(text);
  if (known !== undefined) {
    const result = schema.safeParse(known, { reportInput: true });
    if (result.success) return result.data;
  }
  const parsed = parseYaml(text, displayName);
  cache?.set(text, parsed.value);
  return validate(schema, parsed, displayName);
}
