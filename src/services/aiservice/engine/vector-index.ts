// Growable per-session vector index held in typed arrays, in blocks of rows.
//
// Local embeddings are sparse (about 24 non-zero buckets of 256), so a search reads only
// the stored values in the query's non-zero dimensions. New rows go to a tail kept row by
// row (CSR: each row's non-zero dimensions and values); when the tail holds `blockRows`
// rows it is sealed into a block laid out by dimension: sparse blocks keep, per dimension,
// the rows that have a value there and the values (CSC); blocks more than half full are
// kept dense, column-major (dense embeddings from a remote model). A sealed block never
// changes and the tail is only appended to (growth and sealing allocate new buffers), so
// a snapshot stays valid while rows are added. Buffers may be SharedArrayBuffers so pool
// workers read them without copying.

export interface DenseBlock {
  readonly kind: "dense";
  /** First row of the block. */
  readonly base: number;
  readonly rows: number;
  /** Dimension j of row base+r is cols[j*rows + r]. */
  readonly cols: Float32Array;
}

export interface SparseBlock {
  readonly kind: "sparse";
  readonly base: number;
  readonly rows: number;
  /** Entries of dimension j are colStart[j] .. colStart[j+1], rows ascending. */
  readonly colStart: Int32Array;
  /** Row within the block (base + rowOf) of each entry. */
  readonly rowOf: Uint16Array;
  readonly vals: Float32Array;
}

export type SealedBlock = DenseBlock | SparseBlock;

/** Rows not yet sealed, row by row: row base+r has entries rowStart[r] .. rowStart[r+1]. */
export interface TailRows {
  readonly base: number;
  readonly rows: number;
  readonly rowStart: Int32Array;
  readonly dimOf: Uint16Array;
  readonly vals: Float32Array;
}

export interface IndexSnapshot {
  readonly dim: number;
  readonly count: number;
  readonly blocks: readonly SealedBlock[];
  readonly tail: TailRows;
  readonly importance: Float32Array;
  /** Event time (ms since epoch) used for recency. */
  readonly timestamps: Float64Array;
  /** Largest importance and newest event time of the rows: they bound any row's weighting. */
  readonly maxImportance: number;
  readonly maxTimestamp: number;
}

export interface VectorIndexOptions {
  readonly initialCapacity?: number;
  /** Back the arrays with SharedArrayBuffer so pool workers can read them. */
  readonly shared?: boolean;
  /** Rows per sealed block (at most 65,536; smaller only in tests). */
  readonly blockRows?: number;
}

export const DEFAULT_BLOCK_ROWS = 4096;

export class VectorIndex {
  readonly dim: number;
  readonly blockRows: number;
  private readonly shared: boolean;
  private rows = 0;
  private capacity: number;
  private importance: Float32Array;
  private timestamps: Float64Array;
  /** Row → caller's id (e.g. the database row id). */
  private ids: Float64Array;
  private readonly blocks: SealedBlock[] = [];
  private maxImportance = -Infinity;
  private maxTimestamp = -Infinity;
  private tailBase = 0;
  private tailRowStart: Int32Array;
  private tailDim: Uint16Array;
  private tailVals: Float32Array;

  constructor(dim: number, options: VectorIndexOptions = {}) {
    if (!Number.isInteger(dim) || dim < 1 || dim > 65_536) throw new RangeError(`dim must be an integer in 1..65536, got ${dim}`);
    const blockRows = options.blockRows ?? DEFAULT_BLOCK_ROWS;
    if (!Number.isInteger(blockRows) || blockRows < 1 || blockRows > 65_536) throw new RangeError(`blockRows must be an integer in 1..65536, got ${blockRows}`);
    this.dim = dim;
    this.blockRows = blockRows;
    this.shared = options.shared ?? false;
    this.capacity = Math.max(1, Math.floor(options.initialCapacity ?? 256));
    this.importance = this.f32(this.capacity);
    this.timestamps = this.f64(this.capacity);
    this.ids = this.f64(this.capacity);
    this.tailRowStart = this.i32(Math.min(this.capacity, blockRows) + 1);
    this.tailDim = this.u16(64);
    this.tailVals = this.f32(64);
  }

  get count(): number {
    return this.rows;
  }

  get isShared(): boolean {
    return this.shared;
  }

  /** Append one vector (length dim); returns its row. */
  add(vector: Float32Array, importance: number, timestamp: number, id: number): number {
    if (vector.length !== this.dim) throw new RangeError(`vector length ${vector.length} != dim ${this.dim}`);
    if (this.rows === this.capacity) this.growRows(this.capacity * 2);
    const row = this.rows;
    const r = row - this.tailBase;
    if (r + 2 > this.tailRowStart.length) this.tailRowStart = this.copyGrown(this.tailRowStart, Math.min(this.blockRows, 2 * r + 2) + 1);
    let at = this.tailRowStart[r]!;
    let nz = 0;
    for (let j = 0; j < this.dim; j++) if (vector[j] !== 0) nz++;
    if (at + nz > this.tailVals.length) {
      const size = Math.max(at + nz, this.tailVals.length * 2);
      this.tailDim = this.copyGrown(this.tailDim, size);
      this.tailVals = this.copyGrown(this.tailVals, size);
    }
    for (let j = 0; j < this.dim; j++) {
      const v = vector[j] ?? 0;
      if (v === 0) continue;
      this.tailDim[at] = j;
      this.tailVals[at] = v;
      at++;
    }
    this.tailRowStart[r + 1] = at;
    this.importance[row] = importance;
    this.timestamps[row] = timestamp;
    // As stored (Float32 for importance), so the bound is exactly what a search reads.
    this.maxImportance = Math.max(this.maxImportance, this.importance[row]!);
    this.maxTimestamp = Math.max(this.maxTimestamp, this.timestamps[row]!);
    this.ids[row] = id;
    this.rows = row + 1;
    if (this.rows - this.tailBase === this.blockRows) this.seal();
    return row;
  }

  idAt(row: number): number {
    if (row < 0 || row >= this.rows) throw new RangeError(`row ${row} out of range`);
    return this.ids[row] ?? 0;
  }

  /** Copy of one stored vector (for inspection and tests). */
  vectorAt(row: number): Float32Array {
    if (row < 0 || row >= this.rows) throw new RangeError(`row ${row} out of range`);
    const out = new Float32Array(this.dim);
    if (row >= this.tailBase) {
      const r = row - this.tailBase;
      for (let e = this.tailRowStart[r]!; e < this.tailRowStart[r + 1]!; e++) out[this.tailDim[e]!] = this.tailVals[e]!;
      return out;
    }
    const b = this.blocks[Math.floor(row / this.blockRows)]!;
    const r = row - b.base;
    for (let j = 0; j < this.dim; j++) {
      if (b.kind === "dense") out[j] = b.cols[j * b.rows + r]!;
      else {
        const e = lowerBound(b.rowOf, b.colStart[j]!, b.colStart[j + 1]!, r);
        if (e < b.colStart[j + 1]! && b.rowOf[e] === r) out[j] = b.vals[e]!;
      }
    }
    return out;
  }

  snapshot(): IndexSnapshot {
    return {
      dim: this.dim,
      count: this.rows,
      blocks: this.blocks.slice(),
      tail: { base: this.tailBase, rows: this.rows - this.tailBase, rowStart: this.tailRowStart, dimOf: this.tailDim, vals: this.tailVals },
      importance: this.importance,
      timestamps: this.timestamps,
      maxImportance: this.maxImportance,
      maxTimestamp: this.maxTimestamp,
    };
  }

  /** Bytes held by the typed arrays. */
  get byteSize(): number {
    let n = this.importance.byteLength + this.timestamps.byteLength + this.ids.byteLength;
    n += this.tailRowStart.byteLength + this.tailDim.byteLength + this.tailVals.byteLength;
    for (const b of this.blocks) n += b.kind === "dense" ? b.cols.byteLength : b.colStart.byteLength + b.rowOf.byteLength + b.vals.byteLength;
    return n;
  }

  /** Lays the full tail out by dimension as a block; the next rows start a new tail. */
  private seal(): void {
    const rows = this.blockRows;
    const dim = this.dim;
    const start = this.tailRowStart;
    const nnz = start[rows]!;
    if (nnz * 2 > rows * dim) {
      const cols = this.f32(dim * rows);
      for (let r = 0; r < rows; r++) for (let e = start[r]!; e < start[r + 1]!; e++) cols[this.tailDim[e]! * rows + r] = this.tailVals[e]!;
      this.blocks.push({ kind: "dense", base: this.tailBase, rows, cols });
    } else {
      const colStart = this.i32(dim + 1);
      for (let e = 0; e < nnz; e++) colStart[this.tailDim[e]! + 1]!++;
      for (let j = 0; j < dim; j++) colStart[j + 1]! += colStart[j]!;
      const fill = colStart.slice(0, dim);
      const rowOf = this.u16(nnz);
      const vals = this.f32(nnz);
      // Rows in order, so each dimension's entries come out with rows ascending.
      for (let r = 0; r < rows; r++) {
        for (let e = start[r]!; e < start[r + 1]!; e++) {
          const at = fill[this.tailDim[e]!]!++;
          rowOf[at] = r;
          vals[at] = this.tailVals[e]!;
        }
      }
      this.blocks.push({ kind: "sparse", base: this.tailBase, rows, colStart, rowOf, vals });
    }
    // Fresh tail buffers: a snapshot may still be reading the old ones.
    this.tailBase += rows;
    this.tailRowStart = this.i32(Math.min(this.blockRows, 64) + 1);
    this.tailDim = this.u16(64);
    this.tailVals = this.f32(64);
  }

  private growRows(newCapacity: number): void {
    this.importance = this.copyGrown(this.importance, newCapacity);
    this.timestamps = this.copyGrown(this.timestamps, newCapacity);
    this.ids = this.copyGrown(this.ids, newCapacity);
    this.capacity = newCapacity;
  }

  private copyGrown<A extends Float32Array | Float64Array | Int32Array | Uint16Array>(a: A, size: number): A {
    const out = (a instanceof Float32Array ? this.f32(size) : a instanceof Float64Array ? this.f64(size) : a instanceof Int32Array ? this.i32(size) : this.u16(size)) as A;
    out.set(a.subarray(0, Math.min(a.length, size)));
    return out;
  }

  private buffer(bytes: number): ArrayBuffer | SharedArrayBuffer {
    return this.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  }

  private f32(n: number): Float32Array {
    return new Float32Array(this.buffer(n * 4));
  }

  private f64(n: number): Float64Array {
    return new Float64Array(this.buffer(n * 8));
  }

  private i32(n: number): Int32Array {
    return new Int32Array(this.buffer(n * 4));
  }

  private u16(n: number): Uint16Array {
    return new Uint16Array(this.buffer(n * 2));
  }
}

/** First index in [lo, hi) whose value is >= x (the array is ascending there). */
export function lowerBound(a: Uint16Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
