import { useData } from './data.js';

/**
 * Now, for countdowns and the forms' earliest dates: the node's clock (an exercise's simulated now, which stands
 * still), refreshed with it.
 */
export function useNow(): number {
  return useData().clock;
}
