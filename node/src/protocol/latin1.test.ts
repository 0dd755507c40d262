// latin1String must give exactly Buffer#toString('latin1') for every length and byte value.
import { latin1String, SHORT_MAX } from './latin1.js';

test('every length up to past SHORT_MAX and every byte value decode like Buffer#toString', () => {
  const bytes = Buffer.alloc(300);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) & 0xff;
  for (let start = 0; start < 256; start += 5) {
    for (let n = 0; n <= SHORT_MAX + 4; n++) {
      expect(latin1String(bytes, start, start + n)).toBe(bytes.toString('latin1', start, start + n));
    }
  }
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  for (let i = 0; i < 256; i++) expect(latin1String(all, i, i + 1).charCodeAt(0)).toBe(i);
});
