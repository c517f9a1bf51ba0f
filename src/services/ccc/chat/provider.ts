/** Calls to the kernel's LLM provider, with its failures reported as LLM_PROVIDER_ERROR (502), not as a memory failure. */
import { KernelFailure } from '../../../runtime/errors.ts';
import { streamCompletion, type CompletionRequest, type LlmProvider, type StreamEvent } from '../../../runtime/llm.ts';
import { cccError } from '../errors.ts';

function providerError(llm: LlmProvider, e: unknown): unknown {
  if (!(e instanceof KernelFailure)) return e;
  return cccError('LLM_PROVIDER_ERROR', `The language model provider (${llm.name}) failed: ${e.message}`, { provider: llm.name, ...e.details });
}

/** Streams when `stream`, else one `complete` call presented as one delta and a done event. */
export async function* callProvider(llm: LlmProvider, req: CompletionRequest, stream: boolean): AsyncIterable<StreamEvent> {
  try {
    if (stream) {
      yield* streamCompletion(llm, req);
      return;
    }
    const completion = await llm.complete(req);
    yield { type: 'delta', content: completion.content };
    yield { type: 'done', completion };
  } catch (e) {
    throw providerError(llm, e);
  }
}
