// LOLWUT's computer art as pure functions over a pixel canvas, drawn the way redis-server 7.0 draws
// it: version 5's Schotter (Georg Nees's rotated squares, rendered as Braille characters, 2x4 pixels
// each) and version 6's skyline (four grays, rendered as ANSI-coloured spaces). The random source is
// a parameter (C's rand(): integers in [0, 2^31)), so tests can draw with a seeded one. C's float
// arithmetic is kept (Math.fround) where it decides which pixel is set.

/** A source of integers in [0, RAND_MAX], like C's rand(). */
export type Rand = () => number;

export const RAND_MAX = 0x7fffffff;

export const mathRand: Rand = () => Math.floor(Math.random() * (RAND_MAX + 1));

export class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background = 0,
  ) {
    this.pixels = new Uint8Array(width * height).fill(background);
  }

  /** Sets a pixel; coordinates outside the canvas are ignored. */
  draw(x: number, y: number, color: number): void {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return;
    this.pixels[x + y * this.width] = color;
  }

  /** A pixel's color, 0 outside the canvas. */
  get(x: number, y: number): number {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return 0;
    return this.pixels[x + y * this.width];
  }

  /** A line from (x1, y1) to (x2, y2), Bresenham's algorithm. */
  line(x1: number, y1: number, x2: number, y2: number, color: number): void {
    const dx = Math.abs(x2 - x1);
    const dy = Math.abs(y2 - y1);
    const sx = x1 < x2 ? 1 : -1;
    const sy = y1 < y2 ? 1 : -1;
    let err = dx - dy;
    for (;;) {
      this.draw(x1, y1, color);
      if (x1 === x2 && y1 === y2) break;
      const e2 = err * 2;
      if (e2 > -dy) {
        err -= dy;
        x1 += sx;
      }
      if (e2 < dx) {
        err += dx;
        y1 += sy;
      }
    }
  }

  /** A square centred on (x, y) with side `size`, turned 45 degrees plus `angle` radians. */
  square(x: number, y: number, size: number, angle: number, color: number): void {
    const f = Math.fround;
    // The corners lie on a circle: the side is sqrt(2) times its radius.
    const r = f(cRound(f(f(size) / 1.4142135623)));
    let k = f(Math.PI / 4 + f(angle));
    const px: number[] = [];
    const py: number[] = [];
    for (let j = 0; j < 4; j++) {
      px.push(cRound(Math.sin(k) * r + x));
      py.push(cRound(Math.cos(k) * r + y));
      k = f(k + Math.PI / 2);
    }
    for (let j = 0; j < 4; j++) this.line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color);
  }
}

/** C's round(): halves away from zero (Math.round rounds -0.5 up). */
function cRound(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/** C's conversion of a float to int: truncation toward zero. */
const trunc = (v: number): number => Math.trunc(v);

/** Schotter: squares_per_row x squares_per_col squares, more and more disordered row after row. */
export function drawSchotter(cols: number, perRow: number, perCol: number, rand: Rand = mathRand): Canvas {
  const f = Math.fround;
  const width = cols * 2;
  const padding = width > 4 ? 2 : 0;
  const side = f((width - padding * 2) / perRow);
  const height = trunc(f(f(side * perCol) + padding * 2));
  const canvas = new Canvas(width, height, 0);
  for (let y = 0; y < perCol; y++) {
    for (let x = 0; x < perRow; x++) {
      let sx = trunc(f(f(f(x * side) + f(side / 2)) + padding));
      let sy = trunc(f(f(f(y * side) + f(side / 2)) + padding));
      let angle = 0;
      if (y > 1) {
        let r1 = f(f(f(f(rand()) / f(RAND_MAX)) / perCol) * y);
        let r2 = f(f(f(f(rand()) / f(RAND_MAX)) / perCol) * y);
        let r3 = f(f(f(f(rand()) / f(RAND_MAX)) / perCol) * y);
        if (rand() % 2 !== 0) r1 = -r1;
        if (rand() % 2 !== 0) r2 = -r2;
        if (rand() % 2 !== 0) r3 = -r3;
        angle = r1;
        sx = trunc(f(sx + f(f(r2 * side) / 3)));
        sy = trunc(f(sy + f(f(r3 * side) / 3)));
      }
      canvas.square(sx, sy, side, angle, 1);
    }
  }
  return canvas;
}

/** A Braille character for 8 pixels, bit i set for the dots 0 3 / 1 4 / 2 5 / 6 7 (left, right). */
export function braille(bits: number): string {
  return String.fromCharCode(0x2800 + bits);
}

/** Schotter's canvas as lines of Braille characters (each 2x4 pixels), as UTF-8 bytes in latin1. */
export function renderBraille(canvas: Canvas): string {
  let text = '';
  for (let y = 0; y < canvas.height; y += 4) {
    for (let x = 0; x < canvas.width; x += 2) {
      let bits = 0;
      if (canvas.get(x, y)) bits |= 1 << 0;
      if (canvas.get(x, y + 1)) bits |= 1 << 1;
      if (canvas.get(x, y + 2)) bits |= 1 << 2;
      if (canvas.get(x + 1, y)) bits |= 1 << 3;
      if (canvas.get(x + 1, y + 1)) bits |= 1 << 4;
      if (canvas.get(x + 1, y + 2)) bits |= 1 << 5;
      if (canvas.get(x, y + 3)) bits |= 1 << 6;
      if (canvas.get(x + 1, y + 3)) bits |= 1 << 7;
      text += braille(bits);
    }
    // Redis compares y with the last row, which a step of 4 rarely meets: nearly always a newline.
    if (y !== canvas.height - 1) text += '\n';
  }
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** The four grays of the skyline: foreground and background set together. */
export const GRAY_ESCAPES = ['0;30;40m', '0;90;100m', '0;37;47m', '0;97;107m'];

/** The skyline's canvas as lines of coloured spaces. */
export function renderGrays(canvas: Canvas): string {
  let text = '';
  for (let y = 0; y < canvas.height; y++) {
    for (let x = 0; x < canvas.width; x++) {
      const ce = GRAY_ESCAPES[canvas.get(x, y)] ?? GRAY_ESCAPES[0];
      text += `\x1b[${ce} \x1b[0m`;
    }
    if (y !== canvas.height - 1) text += '\n';
  }
  return text;
}

interface Skyscraper {
  xoff: number;
  width: number;
  height: number;
  windows: boolean;
  color: number;
}

function skyscraper(canvas: Canvas, s: Skyscraper, rand: Rand): void {
  const starty = canvas.height - 1;
  const endy = starty - s.height + 1;
  for (let y = starty; y >= endy; y--) {
    for (let x = s.xoff; x < s.xoff + s.width; x++) {
      // The roof is four pixels narrower.
      if (y === endy && (x <= s.xoff + 1 || x >= s.xoff + s.width - 2)) continue;
      let color = s.color;
      if (s.windows && x > s.xoff + 1 && x < s.xoff + s.width - 2 && y > endy + 1 && y < starty - 1) {
        const relx = x - (s.xoff + 1);
        const rely = y - (endy + 1);
        // Windows two pixels wide and one tall, in one of the two grays other than the wall's.
        if (Math.trunc(relx / 2) % 2 !== 0 && rely % 2 !== 0) {
          do color = 1 + (rand() % 2);
          while (color === s.color);
          if (relx % 2 !== 0) color = canvas.get(x - 1, y);
        }
      }
      canvas.draw(x, y, color);
    }
  }
}

/** The skyline on a white canvas: two rows of gray towers behind, black towers with windows in front. */
export function drawSkyline(cols: number, rows: number, rand: Rand = mathRand): Canvas {
  const canvas = new Canvas(cols, rows, 3);
  const h = canvas.height;
  const s: Skyscraper = { xoff: 0, width: 0, height: 0, windows: false, color: 0 };
  for (let color = 2; color >= 1; color--) {
    s.color = color;
    for (let offset = -10; offset < canvas.width;) {
      offset += rand() % 8;
      s.xoff = offset;
      s.width = 10 + (rand() % 9);
      s.height =
        color === 2
          ? Math.trunc(h / 2) + Math.trunc((rand() % h) / 2)
          : Math.trunc(h / 2) + Math.trunc((rand() % h) / 3);
      s.windows = false;
      skyscraper(canvas, s, rand);
      offset += color === 2 ? Math.trunc(s.width / 2) : s.width + 1;
    }
  }
  s.color = 0;
  for (let offset = -10; offset < canvas.width;) {
    offset += rand() % 8;
    s.xoff = offset;
    s.width = 5 + (rand() % 14);
    if (s.width % 4 !== 0) s.width += s.width % 3;
    s.height = Math.trunc(h / 3) + Math.trunc((rand() % h) / 2);
    s.windows = true;
    skyscraper(canvas, s, rand);
    offset += s.width + 5;
  }
  return canvas;
}
