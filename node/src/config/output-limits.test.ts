import { applyOutputLimits, formatOutputLimits, parseOutputLimits } from './output-limits.js';

const DEFAULT = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';

test('a CONFIG SET of one class keeps the others and stores bytes, as redis-server shows it', () => {
  const r = applyOutputLimits(parseOutputLimits(DEFAULT), 'normal 32mb 16mb 10');
  expect(typeof r === 'string' ? r : formatOutputLimits(r)).toBe(
    'normal 33554432 16777216 10 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
  );
  const r2 = applyOutputLimits(parseOutputLimits(DEFAULT), 'replica 1mb 0 0 pubsub 1 2 3');
  expect(typeof r2 === 'string' ? r2 : formatOutputLimits(r2)).toBe(
    'normal 0 0 0 slave 1048576 0 0 pubsub 1 2 3',
  );
});

test("Redis's error texts for a bad value", () => {
  const prev = parseOutputLimits(DEFAULT);
  expect(applyOutputLimits(prev, 'normal 1 2')).toBe(
    'Wrong number of arguments in buffer limit configuration.',
  );
  expect(applyOutputLimits(prev, 'foo 1 2 3')).toBe(
    'Invalid client class specified in buffer limit configuration.',
  );
  for (const bad of ['normal x 2 3', 'normal 1 2 -3', 'normal -1 2 3'])
    expect(applyOutputLimits(prev, bad)).toBe(
      'Error in hard, soft or soft_seconds setting in buffer limit configuration.',
    );
});
