// Pool tasks for the openkore engine: thin adapters over pure engine functions.
import type { MlConfig } from "../src/services/openkore/engine/config.ts";
import { trainModel, type MlModel, type Sample } from "../src/services/openkore/engine/ml.ts";

export interface TrainArg { samples: Sample[]; cfg: MlConfig; now: number }

export const openkoreTasks = {
  "openkore.train": (arg: TrainArg): MlModel => trainModel(arg.samples, arg.cfg, arg.now),
};
