// Redis error replies raised by command code; the dispatcher turns them into "-<message>\r\n".
export class RedisError extends Error {
  constructor(message: string) {
    super(message);
  }
}

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const ERR_SYNTAX = 'ERR syntax error';
export const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';
export const ERR_NOT_FLOAT = 'ERR value is not a valid float';
export const ERR_NO_SUCH_KEY = 'ERR no such key';
export const ERR_OVERFLOW = 'ERR increment or decrement would overflow';
export const ERR_INDEX_OUT_OF_RANGE = 'ERR index out of range';

export function wrongArity(name: string): string {
  return `ERR wrong number of arguments for '${name.toLowerCase()}' command`;
}

/** Redis 7.0's reply to an unknown subcommand of a container command (CLIENT, CONFIG, DEBUG...). */
export function unknownSubcommand(sub: string, command: string): string {
  return `ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${command.toUpperCase()} HELP.`;
}
