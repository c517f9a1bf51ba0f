// 32-bit string hashing for feature hashing. FNV-1a over UTF-16 code units, then the
// murmur3 finaliser so that both the low bits (bucket) and the top bit (sign) are well mixed.

export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function fmix32(input: number): number {
  let h = input >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function featureHash(text: string): number {
  return fmix32(fnv1a32(text));
}
