import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Serial } from '../src/node/serial.js';

describe('Serial', () => {
  it('runs jobs one at a time, in the order asked, whatever each awaits; a failure does not stop the next', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(3), fc.boolean()), { minLength: 1, maxLength: 12 }), async (jobs) => {
        const serial = new Serial();
        const log: string[] = [];
        let running = 0;
        const results = jobs.map(([ticks, fails], i) =>
          serial.run(async () => {
            running++;
            expect(running).toBe(1);
            log.push(`start ${i}`);
            for (let t = 0; t < ticks; t++) await Promise.resolve();
            log.push(`end ${i}`);
            running--;
            if (fails) throw new Error(`job ${i}`);
            return i;
          }),
        );
        const settled = await Promise.allSettled(results);
        expect(log).toEqual(jobs.flatMap((_, i) => [`start ${i}`, `end ${i}`]));
        settled.forEach((s, i) => {
          if (jobs[i]![1]) expect(s).toMatchObject({ status: 'rejected', reason: { message: `job ${i}` } });
          else expect(s).toEqual({ status: 'fulfilled', value: i });
        });
      }),
    );
  });
});
