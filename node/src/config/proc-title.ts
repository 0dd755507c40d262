// The process title (proc-title-template): which variables it may name and how it renders, as Redis 7.0
// does, so `ps` shows "tsredis-server 127.0.0.1:6379" and never the command line (which may hold secrets).

export const PROC_TITLE_VARIABLES = [
  'title',
  'listen-addr',
  'server-mode',
  'port',
  'tls-port',
  'unixsocket',
  'config-file',
];

/** Renders a template; null when a brace is unbalanced or a variable is unknown (Redis refuses it). */
export function renderProcTitle(template: string, vars: Record<string, string>): string | null {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (ch === '}') return null;
    if (ch !== '{') {
      out += ch;
      continue;
    }
    const end = template.indexOf('}', i);
    if (end < 0) return null;
    const name = template.slice(i + 1, end);
    if (!PROC_TITLE_VARIABLES.includes(name)) return null;
    out += vars[name] ?? '';
    i = end;
  }
  return out.trim();
}

/** A template is valid when it renders with every variable known. */
export function validProcTitleTemplate(template: string): boolean {
  return renderProcTitle(template, {}) !== null;
}
