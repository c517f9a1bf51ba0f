/** Pool tasks of the OpenKore AI service: one slice of a similarity scan over shared typed arrays. */
import { search, type RankingWeights, type SearchHits } from '../src/services/aiservice/engine/search.ts';
import type { IndexSnapshot } from '../src/services/aiservice/engine/vector-index.ts';

export interface AiSearchArg {
  snapshot: IndexSnapshot;
  query: Float32Array;
  k: number;
  weights: RankingWeights;
  now: number;
  from: number;
  to: number;
}

export const aiserviceTasks = {
  'aiservice.search': (arg: AiSearchArg): SearchHits =>
    search(arg.snapshot, { query: arg.query, k: arg.k, weights: arg.weights, now: arg.now, from: arg.from, to: arg.to }),
};
