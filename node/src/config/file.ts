// Loads redis.conf text plus `--directive value` command-line arguments into a Config, with Redis's
// fatal-error report format, and rewrites the file for CONFIG REWRITE.
import * as fs from 'node:fs';
import { splitInlineArgs } from '../protocol/parser.js';
import { Config, ConfigError } from './table.js';

export class FatalConfigError extends Error {}

/** Applies the text of a redis.conf file; `include <path>` applies another file in place, as in Redis. */
export function applyConfigText(
  config: Config,
  text: string,
  source = 'the configuration file',
  depth = 0,
): void {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const args = splitInlineArgs(line);
    const fail = (why: string): never => {
      throw new FatalConfigError(
        `\n*** FATAL CONFIG FILE ERROR (tsredis) ***\nReading ${source}, at line ${i + 1}\n>>> '${line}'\n${why}`,
      );
    };
    if (args === null) fail('Unbalanced quotes in configuration line');
    const [name, ...rest] = args as string[];
    if (name.toLowerCase() === 'include') {
      if (rest.length !== 1) fail('wrong number of arguments');
      if (depth >= 16) fail('include nesting too deep');
      let included: string;
      try {
        included = fs.readFileSync(rest[0], 'latin1');
      } catch (e) {
        return fail(
          `Fatal error, can't open config file '${rest[0]}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        );
      }
      applyConfigText(config, included, `the configuration file ${rest[0]}`, depth + 1);
      continue;
    }
    try {
      config.set(name, rest, false);
    } catch (e) {
      if (e instanceof ConfigError) fail(e.message);
      throw e;
    }
  }
}

/**
 * Parses redis-server style argv: [configfile] [--name value ...]. Like redis-server, the options are
 * turned into config lines ("name value ...") applied after the file.
 */
export function loadConfig(argv: string[]): Config {
  const config = new Config();
  let i = 0;
  if (argv.length > 0 && !argv[0].startsWith('--')) {
    const file = argv[0];
    config.configFile = fs.realpathSync(file);
    applyConfigText(config, fs.readFileSync(file, 'latin1'), `the configuration file ${file}`);
    i = 1;
  }
  const lines: string[] = [];
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) lines.push(a.slice(2));
    else {
      const quoted =
        a === '' ? '""' : /[\s"'\\]/.test(a) ? `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : a;
      if (lines.length === 0) throw new FatalConfigError(`Invalid argument '${a}'`);
      lines[lines.length - 1] += ` ${quoted}`;
    }
  }
  applyConfigText(config, lines.join('\n'), 'the command line');
  return config;
}

/** CONFIG REWRITE: keeps unrelated lines of the original file, replaces directives tsredis manages. */
export function rewriteConfigFile(config: Config): void {
  if (config.configFile === null) throw new ConfigError('The server is running without a config file');
  const managed = config.rewriteLines();
  const managedNames = new Set(managed.map((l) => l.split(' ')[0]));
  const old = fs.existsSync(config.configFile)
    ? fs.readFileSync(config.configFile, 'latin1').split(/\r?\n/)
    : [];
  const kept = old.filter((l) => {
    const t = l.trim();
    if (t === '' || t.startsWith('#')) return true;
    const name = t.split(/\s+/)[0].toLowerCase();
    return !managedNames.has(name);
  });
  while (kept.length > 0 && kept[kept.length - 1].trim() === '') kept.pop();
  const tmp = `${config.configFile}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, [...kept, ...managed, ''].join('\n'), 'latin1');
  fs.renameSync(tmp, config.configFile);
}
