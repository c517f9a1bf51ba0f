/** Pool tasks of the event bus's learning component: policy training epochs and held-out evaluation (pure engine functions). */
import { evaluate, trainEpochs, type Dataset, type Hyper } from '../src/services/eventbus/decisions/engine/train.ts';

export const eventbusTasks = {
  'eventbus.trainEpochs': (a: { data: Dataset; weights: number[][]; hyper: Hyper; epochs: number; epochOffset: number }) => trainEpochs(a.data, a.weights, a.hyper, a.epochs, a.epochOffset),
  'eventbus.evaluatePolicy': (a: { data: Dataset; weights: number[][] }) => ({ heldout: evaluate(a.data, a.weights, a.data.heldout), train: evaluate(a.data, a.weights, a.data.train) }),
};
