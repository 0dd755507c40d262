// PSUBSCRIBE's glob patterns, as Redis matches them: `*` any run, `?` one character, `[abc]`, `[^a]`,
// `[a-z]` classes, `\x` a literal x. Translated once into a regular expression (the channels matched
// are the endpoint's own short event names, so a pattern's cost is bounded).

const cache = new Map<string, RegExp>();

const escapeChar = (c: string): string => (/[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c);

function translate(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '\\' && i + 1 < p.length) re += escapeChar(p[++i]);
    else if (c === '[') {
      let j = i + 1;
      let cls = '';
      if (p[j] === '^') {
        cls += '^';
        j++;
      }
      for (; j < p.length && p[j] !== ']'; j++) {
        if (p[j] === '\\' && j + 1 < p.length) cls += escapeChar(p[++j]);
        else if (p[j + 1] === '-' && j + 2 < p.length && p[j + 2] !== ']') {
          const [a, b] = [p[j], p[j + 2]].sort();
          cls += `${escapeChar(a)}-${escapeChar(b)}`;
          j += 2;
        } else cls += escapeChar(p[j]);
      }
      // An unclosed class matches as Redis's does: up to the end of the pattern.
      re += cls === '' || cls === '^' ? (cls === '^' ? '[\\s\\S]' : '(?!)') : `[${cls}]`;
      i = j;
    } else re += escapeChar(c);
  }
  return new RegExp(`^${re}$`);
}

export function globMatch(pattern: string, s: string): boolean {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = translate(pattern);
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re.test(s);
}
