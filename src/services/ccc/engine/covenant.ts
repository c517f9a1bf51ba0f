/**
 * The covenant cycle (REFERENCE §5): Beatrice analyses the directive, Codey carries it out
 * with that analysis as context, Beatrice reviews the result. The model call is passed in,
 * so the cycle streams when the caller streams and is deterministic under the local provider.
 */
import type { ChatMessage, Completion, StreamEvent } from '../../../runtime/llm.ts';
import type { Responder } from '../types.ts';

export type CovenantStep = 'analysis' | 'execution' | 'review';

export const COVENANT: readonly { step: CovenantStep; agent: Responder }[] = [
  { step: 'analysis', agent: 'beatrice' },
  { step: 'execution', agent: 'codey' },
  { step: 'review', agent: 'beatrice' },
];

/** A reply in steps: each step announced, its text deltas, then its whole completion. */
export type StepEvent<S extends string> =
  | { type: 'step'; step: S; agent: Responder }
  | { type: 'delta'; step: S; agent: Responder; content: string }
  | { type: 'done'; step: S; agent: Responder; completion: Completion };

export type CovenantEvent = StepEvent<CovenantStep>;

export interface CovenantInput {
  directive: string;
  /** The system message for an agent (persona, its state, memory). */
  system: (agent: Responder) => ChatMessage;
  /** Earlier messages of the client's request, before the directive. */
  history: readonly ChatMessage[];
}

/** The user message each step sends, given what the earlier steps produced. */
export function stepPrompt(step: CovenantStep, directive: string, analysis: string, execution: string): string {
  switch (step) {
    case 'analysis':
      return `Directive from Wykeve: ${directive}\n\nAnalyse this directive for Codey: goals, constraints, risks and a step-by-step plan.`;
    case 'execution':
      return `Directive from Wykeve: ${directive}\n\nBeatrice's analysis:\n${analysis}\n\nCarry out the directive following the analysis.`;
    case 'review':
      return `Directive from Wykeve: ${directive}\n\nYour analysis:\n${analysis}\n\nCodey's result:\n${execution}\n\nReview the result against the directive and the analysis. State whether it is approved or what must change.`;
  }
}

export async function* runCovenant(input: CovenantInput, call: (messages: ChatMessage[]) => AsyncIterable<StreamEvent>): AsyncIterable<CovenantEvent> {
  const out: Record<CovenantStep, string> = { analysis: '', execution: '', review: '' };
  for (const { step, agent } of COVENANT) {
    yield { type: 'step', step, agent };
    const messages = [input.system(agent), ...input.history, { role: 'user' as const, content: stepPrompt(step, input.directive, out.analysis, out.execution) }];
    for await (const e of call(messages)) {
      if (e.type === 'delta') yield { type: 'delta', step, agent, content: e.content };
      else {
        out[step] = e.completion.content;
        yield { type: 'done', step, agent, completion: e.completion };
      }
    }
  }
}
