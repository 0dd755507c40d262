// A small YAML emitter for JSON-shaped data (objects, arrays, strings, numbers, booleans, null), used
// to write the generated CRD. Strings that YAML could read as something else are double-quoted (JSON
// string syntax is valid YAML). client-node's dumpYaml maps objects through its typed models, which
// drops fields such as x-kubernetes-validations and default, so it cannot be used here.
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function scalar(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v !== 'string') return String(v);
  const plain =
    /^[A-Za-z_/][A-Za-z0-9_ ./()'-]*$/.test(v) &&
    !/^(true|false|yes|no|on|off|null|~)$/i.test(v) &&
    !v.endsWith(' ') &&
    !v.includes(': ');
  return plain ? v : JSON.stringify(v);
}

function key(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.\-/]*$/.test(k) ? k : JSON.stringify(k);
}

function emit(v: Json, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      if (
        item !== null &&
        typeof item === 'object' &&
        (Array.isArray(item) ? item.length : Object.keys(item).length)
      ) {
        const sub: string[] = [];
        emit(item, indent + '  ', sub);
        out.push(`${indent}- ${sub[0].trimStart()}`, ...sub.slice(1));
      } else out.push(`${indent}- ${inline(item)}`);
    }
    return;
  }
  if (v !== null && typeof v === 'object') {
    for (const [k, val] of Object.entries(v)) {
      const nested =
        val !== null &&
        typeof val === 'object' &&
        (Array.isArray(val) ? val.length > 0 : Object.keys(val).length > 0);
      if (nested) {
        out.push(`${indent}${key(k)}:`);
        emit(val, Array.isArray(val) ? indent + '  ' : indent + '  ', out);
      } else out.push(`${indent}${key(k)}: ${inline(val)}`);
    }
    return;
  }
  out.push(indent + scalar(v));
}

function inline(v: Json): string {
  if (Array.isArray(v)) return '[]';
  if (v !== null && typeof v === 'object') return '{}';
  return scalar(v);
}

export function toYaml(v: unknown): string {
  const out: string[] = [];
  emit(v as Json, '', out);
  return out.join('\n') + '\n';
}
