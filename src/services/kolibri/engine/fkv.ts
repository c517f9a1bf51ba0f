/**
 * F-KV: a decimal trie (10 children per node). Every node keeps the top-k entries
 * beneath it (itself included) by priority, so a prefix lookup costs the prefix
 * length plus k, independent of how many keys share the prefix.
 */
export type FkvKind = "value" | "program";

export interface FkvEntry {
  readonly key: string;
  readonly kind: FkvKind;
  readonly payload: string;
  /** Higher is better; defaults to the insertion sequence (newest first). */
  readonly priority: number;
}

interface TrieNode {
  children: Array<TrieNode | undefined>;
  entry: FkvEntry | undefined;
  top: FkvEntry[];
}

const newNode = (): TrieNode => ({ children: new Array<TrieNode | undefined>(10).fill(undefined), entry: undefined, top: [] });

export const isDigits = (s: string): boolean => /^\d+$/.test(s);

export class FkvTrie {
  private readonly root: TrieNode = newNode();
  private seq = 0;
  private count = 0;

  constructor(readonly k: number = 4) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`top-k must be a positive integer, got ${k}`);
  }

  get size(): number {
    return this.count;
  }

  /** Next default priority; persisted entries restore it through `put`. */
  get sequence(): number {
    return this.seq;
  }

  /**
   * Stores or replaces the entry at `key`. Returns the stored entry. Throws only for
   * a non-digit key, which callers validate first.
   */
  /** The priority `put` gives an entry without one (to store an entry before it is put). */
  nextPriority(): number {
    return this.seq + 1;
  }

  put(key: string, kind: FkvKind, payload: string, priority?: number): FkvEntry {
    if (!isDigits(key)) throw new RangeError(`F-KV key must be decimal digits, got '${key}'`);
    const p = priority ?? this.seq + 1;
    this.seq = Math.max(this.seq, Math.floor(p));
    const entry: FkvEntry = { key, kind, payload, priority: p };
    const path: TrieNode[] = [this.root];
    let node = this.root;
    for (let i = 0; i < key.length; i++) {
      const d = key.charCodeAt(i) - 48;
      let child = node.children[d];
      if (!child) {
        child = newNode();
        node.children[d] = child;
      }
      node = child;
      path.push(node);
    }
    if (!node.entry) this.count++;
    node.entry = entry;
    // Recompute top lists bottom-up: each is the best k of the node's own entry and
    // its children's lists, which already hold the best k of their subtrees.
    for (let i = path.length - 1; i >= 0; i--) {
      const n = path[i];
      if (n) n.top = this.merge(n);
    }
    return entry;
  }

  private merge(n: TrieNode): FkvEntry[] {
    const all: FkvEntry[] = n.entry ? [n.entry] : [];
    for (const c of n.children) if (c) for (const e of c.top) all.push(e);
    all.sort((a, b) => b.priority - a.priority || (a.key < b.key ? -1 : 1));
    return all.slice(0, this.k);
  }

  private find(prefix: string): TrieNode | undefined {
    let node: TrieNode | undefined = this.root;
    for (let i = 0; i < prefix.length && node; i++) node = node.children[prefix.charCodeAt(i) - 48];
    return node;
  }

  /** Exact entry first, then the prefix node's top list, at most `limit` entries. */
  get(prefix: string, limit: number): FkvEntry[] {
    if (!isDigits(prefix) || limit <= 0) return [];
    const node = this.find(prefix);
    if (!node) return [];
    const out: FkvEntry[] = [];
    if (node.entry) out.push(node.entry);
    for (const e of node.top) {
      if (out.length >= limit) break;
      if (e !== node.entry) out.push(e);
    }
    return out.slice(0, limit);
  }

  exact(key: string): FkvEntry | undefined {
    return isDigits(key) ? this.find(key)?.entry : undefined;
  }

  /** First value entry under `key` (exact first), for READ_FKV. */
  firstValue(key: string): FkvEntry | undefined {
    return this.get(key, this.k + 1).find((e) => e.kind === "value");
  }
}

export interface FkvQuota {
  /** Writes one run may make; the next is refused. */
  writesPerRun: number;
  /** Entries the trie may hold; a write of a new key beyond this is refused. */
  maxEntries: number;
}

const UNLIMITED: FkvQuota = { writesPerRun: Number.POSITIVE_INFINITY, maxEntries: Number.POSITIVE_INFINITY };

/**
 * Adapts the trie to the VM's integer keys, for one run (the write quota counts per
 * port). Negative keys have no digit form: reads give 0 and writes are dropped.
 * `onWrite` lets the owner persist each write. A write over the quota is refused with
 * the reason, which the VM reports as `fkv_quota_exceeded`.
 */
export function trieFkvPort(trie: FkvTrie, onWrite?: (e: FkvEntry) => void, quota: FkvQuota = UNLIMITED) {
  let writes = 0;
  return {
    read(key: bigint): bigint {
      if (key < 0n) return 0n;
      const e = trie.firstValue(key.toString());
      return e && /^-?\d+$/.test(e.payload) ? BigInt(e.payload) : 0n;
    },
    write(key: bigint, value: bigint): string | undefined {
      if (writes >= quota.writesPerRun) return `more than ${quota.writesPerRun} F-KV writes in one run`;
      if (key < 0n) return undefined;
      const k = key.toString();
      if (trie.size >= quota.maxEntries && !trie.exact(k)) return `the F-KV is full (${quota.maxEntries} entries)`;
      writes++;
      const e = trie.put(k, "value", value.toString());
      onWrite?.(e);
      return undefined;
    },
  };
}
