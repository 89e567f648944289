// A binary search the runtime's per-frame lookups share.

/** How many of `items`, sorted by `keyOf`, have a key at or before `value`: a binary search,
 * for the scene or the caption pages on a frame however many there are. */
export function countUpTo(items, keyOf, value) {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keyOf(items[mid]) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
