// Unit tests for the AOF manifest: Redis's line format both ways, quoting, order, and the errors.
import { formatManifest, parseManifest, nextIncrSeq, nextBaseSeq, ManifestError } from './aof-manifest.js';

describe('AOF manifest', () => {
  test('prints the base, the history, then the incremental files, and parses them back', () => {
    const m = {
      base: { name: 'appendonly.aof.2.base.rdb', seq: 2, type: 'b' as const },
      history: [{ name: 'appendonly.aof.1.base.rdb', seq: 1, type: 'h' as const }],
      incrs: [
        { name: 'appendonly.aof.2.incr.aof', seq: 2, type: 'i' as const },
        { name: 'appendonly.aof.3.incr.aof', seq: 3, type: 'i' as const },
      ],
    };
    const text = formatManifest(m);
    expect(text).toBe(
      'file appendonly.aof.2.base.rdb seq 2 type b\n' +
        'file appendonly.aof.1.base.rdb seq 1 type h\n' +
        'file appendonly.aof.2.incr.aof seq 2 type i\n' +
        'file appendonly.aof.3.incr.aof seq 3 type i\n',
    );
    expect(parseManifest(text)).toEqual(m);
    expect(nextIncrSeq(m)).toBe(4);
    expect(nextBaseSeq(m)).toBe(3);
  });

  test('quotes names with spaces or quotes and reads them back; skips comments and blank lines', () => {
    const m = { base: { name: 'my aof "x".1.base.rdb', seq: 1, type: 'b' as const }, history: [], incrs: [] };
    const text = formatManifest(m);
    expect(text).toBe('file "my aof \\"x\\".1.base.rdb" seq 1 type b\n');
    expect(parseManifest(`# comment\n\n${text}`)).toEqual(m);
    expect(parseManifest('seq 1 type i file a.1.incr.aof\n').incrs).toEqual([
      { name: 'a.1.incr.aof', seq: 1, type: 'i' },
    ]);
  });

  test('refuses what Redis refuses', () => {
    expect(() => parseManifest('file a seq 1\n')).toThrow(ManifestError);
    expect(() => parseManifest('file a seq x type b\n')).toThrow('Invalid AOF manifest file format');
    expect(() => parseManifest('file a seq 1 type b\nfile b seq 2 type b\n')).toThrow(
      'Found duplicate base file information',
    );
    expect(() => parseManifest('file a seq 2 type i\nfile b seq 1 type i\n')).toThrow(
      'Found a non-monotonic sequence number',
    );
    expect(() => parseManifest('file a seq 1 type z\n')).toThrow('Unknown AOF file type');
    expect(() => parseManifest('file "unterminated seq 1 type b\n')).toThrow(
      'Invalid AOF manifest file format',
    );
  });
});
