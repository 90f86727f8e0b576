import { UserError } from '../core/errors.js';

/**
 * A deep copy of data headed for templates, made of plain objects, arrays and primitives only
 * (not null-prototype objects: Handlebars compares contexts with `!=`, which needs a prototype). Keys that could reach a prototype (`__proto__`, `constructor`, `prototype`)
 * are refused, as are functions, class instances and cycles: templates see plain data or nothing.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function plainData<T>(value: T, where = 'data'): T {
  return copy(value, where, new Set()) as T;
}

function copy(value: unknown, where: string, seen: Set<object>): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value === undefined) return undefined;
  if (typeof value !== 'object') throw new UserError(`${where}: refusing a ${typeof value} in template data`);
  if (seen.has(value)) throw new UserError(`${where}: refusing a cycle in template data`);
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item, index) => copy(item, `${where}[${index}]`, seen));
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) throw new UserError(`${where}: refusing a non-plain object in template data`);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) throw new UserError(`${where}: key "${key}" is not allowed (it could alter object prototypes)`);
      const item = copy((value as Record<string, unknown>)[key], `${where}.${key}`, seen);
      if (item !== undefined) out[key] = item;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
