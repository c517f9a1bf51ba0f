// Growable per-session vector index held in typed arrays.
//
// Layout is column-major: dimension j of every row lives contiguously in
// cols[j*capacity .. j*capacity+count). Local embeddings are sparse (a few dozen
// non-zero buckets out of `dim`), so a search streams only the columns where the query
// is non-zero — contiguous, cache-friendly reads instead of a full rows×dim scan.
// Buffers may be SharedArrayBuffers so pool workers read them without copying; growth
// allocates new buffers and copies, and rows already handed to a worker never change.

export interface IndexSnapshot {
  readonly dim: number;
  readonly capacity: number;
  readonly count: number;
  readonly cols: Float32Array;
  readonly importance: Float32Array;
  /** Event time (ms since epoch) used for recency. */
  readonly timestamps: Float64Array;
}

export interface VectorIndexOptions {
  readonly initialCapacity?: number;
  /** Back the arrays with SharedArrayBuffer so pool workers can read them. */
  readonly shared?: boolean;
}

export class VectorIndex {
  readonly dim: number;
  private readonly shared: boolean;
  private capacity: number;
  private rows = 0;
  private cols: Float32Array;
  private importance: Float32Array;
  private timestamps: Float64Array;
  /** Row → caller's id (e.g. the database row id). */
  private ids: Float64Array;

  constructor(dim: number, options: VectorIndexOptions = {}) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be a positive integer, got ${dim}`);
    this.dim = dim;
    this.shared = options.shared ?? false;
    this.capacity = Math.max(1, Math.floor(options.initialCapacity ?? 256));
    this.cols = this.f32(dim * this.capacity);
    this.importance = this.f32(this.capacity);
    this.timestamps = this.f64(this.capacity);
    this.ids = this.f64(this.capacity);
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
    if (this.rows === this.capacity) this.grow(this.capacity * 2);
    const row = this.rows;
    const cap = this.capacity;
    for (let j = 0; j < this.dim; j++) this.cols[j * cap + row] = vector[j] ?? 0;
    this.importance[row] = importance;
    this.timestamps[row] = timestamp;
    this.ids[row] = id;
    this.rows = row + 1;
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
    for (let j = 0; j < this.dim; j++) out[j] = this.cols[j * this.capacity + row] ?? 0;
    return out;
  }

  snapshot(): IndexSnapshot {
    return {
      dim: this.dim,
      capacity: this.capacity,
      count: this.rows,
      cols: this.cols,
      importance: this.importance,
      timestamps: this.timestamps,
    };
  }

  /** Bytes held by the typed arrays. */
  get byteSize(): number {
    return this.cols.byteLength + this.importance.byteLength + this.timestamps.byteLength + this.ids.byteLength;
  }

  private grow(newCapacity: number): void {
    const oldCap = this.capacity;
    const cols = this.f32(this.dim * newCapacity);
    for (let j = 0; j < this.dim; j++) {
      cols.set(this.cols.subarray(j * oldCap, j * oldCap + this.rows), j * newCapacity);
    }
    const importance = this.f32(newCapacity);
    importance.set(this.importance.subarray(0, this.rows));
    const timestamps = this.f64(newCapacity);
    timestamps.set(this.timestamps.subarray(0, this.rows));
    const ids = this.f64(newCapacity);
    ids.set(this.ids.subarray(0, this.rows));
    this.cols = cols;
    this.importance = importance;
    this.timestamps = timestamps;
    this.ids = ids;
    this.capacity = newCapacity;
  }

  private f32(n: number): Float32Array {
    return this.shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n);
  }

  private f64(n: number): Float64Array {
    return this.shared ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n);
  }
}
