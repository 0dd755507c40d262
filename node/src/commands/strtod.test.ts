import { strtodWhole } from './strtod.js';

describe('strtodWhole', () => {
  test('what C strtod reads in full, and what SORT refuses', () => {
    expect(strtodWhole('')).toBe(0);
    expect(strtodWhole(' 7')).toBe(7);
    expect(strtodWhole('-0x1.8p1')).toBe(-3);
    expect(strtodWhole('0x10')).toBe(16);
    expect(strtodWhole(' inf')).toBe(Infinity);
    expect(strtodWhole('-Infinity')).toBe(-Infinity);
    expect(strtodWhole('1e2')).toBe(100);
    expect(strtodWhole('.5')).toBe(0.5);
    expect(strtodWhole('12 ')).toBeNull();
    expect(strtodWhole('nan')).toBeNull();
    expect(strtodWhole('1e400')).toBeNull();
    expect(strtodWhole('1e-320')).toBeNull();
    expect(strtodWhole('0e-320')).toBe(0);
    expect(strtodWhole('abc')).toBeNull();
    expect(strtodWhole('  ')).toBeNull();
  });
});
