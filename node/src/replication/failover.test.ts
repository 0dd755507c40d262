// Unit tests for FAILOVER's argument parser: options in any order, each once, ABORT only alone, and
// Redis's error texts for bad values.
import { parseFailover } from './failover.js';

const parse = (...args: string[]) => parseFailover(['FAILOVER', ...args]);

describe('parseFailover', () => {
  test('takes TO, FORCE and TIMEOUT in any order', () => {
    expect(parse()).toEqual({ abort: false, host: null, port: 0, timeoutMs: 0, force: false });
    expect(parse('timeout', '50', 'FORCE', 'to', 'h', '6380')).toEqual({
      abort: false,
      host: 'h',
      port: 6380,
      timeoutMs: 50,
      force: true,
    });
    expect(parse('ABORT').abort).toBe(true);
    expect(parse('abort').abort).toBe(true);
  });

  test('refuses repeated options, ABORT with others, and bad numbers as Redis does', () => {
    expect(() => parse('ABORT', 'FORCE')).toThrow('ERR syntax error');
    expect(() => parse('FORCE', 'FORCE')).toThrow('ERR syntax error');
    expect(() => parse('TIMEOUT', '1', 'TIMEOUT', '2')).toThrow('ERR syntax error');
    expect(() => parse('TO', 'a', '1', 'TO', 'b', '2')).toThrow('ERR syntax error');
    expect(() => parse('TO', 'a')).toThrow('ERR syntax error');
    expect(() => parse('TIMEOUT')).toThrow('ERR syntax error');
    expect(() => parse('TIMEOUT', '0')).toThrow('ERR FAILOVER timeout must be greater than 0');
    expect(() => parse('TIMEOUT', '-1')).toThrow('ERR FAILOVER timeout must be greater than 0');
    expect(() => parse('TIMEOUT', 'x')).toThrow('ERR value is not an integer or out of range');
    expect(() => parse('TO', 'a', 'x')).toThrow('ERR value is not an integer or out of range');
  });
});
