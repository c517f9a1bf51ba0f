/**
 * LLM provider seam. `local` (default) is deterministic and offline and says so in its
 * replies; `openai` talks to any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM,
 * llama.cpp server) given a base URL, key and model.
 */
import { createHash } from 'node:crypto';
import { KernelFailure } from './errors.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface Completion {
  content: string;
  model: string;
  provider: string;
  usage: Usage;
  /** OpenAI `finish_reason` (`stop`, `length`, ...); absent means `stop`. */
  finishReason?: string;
}

/** A streamed reply: text deltas in order, then one `done` carrying the whole completion. */
export type StreamEvent = { type: 'delta'; content: string } | { type: 'done'; completion: Completion };

export interface LlmProvider {
  readonly name: string;
  readonly model: string;
  complete(req: CompletionRequest): Promise<Completion>;
  /** Streams the reply; providers without it are streamed through `streamCompletion` as one delta. */
  stream?(req: CompletionRequest): AsyncIterable<StreamEvent>;
  embed?(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** What the provider's calls have shown so far (providers from `createLlmProvider` have it). */
  health?(): LlmHealth;
}

/**
 * The endpoint's state as its calls found it, for health routes: `failing` from a failed
 * call until the next one succeeds (a caller's own abort counts as neither), `unknown`
 * before any call. Times are wall-clock ms.
 */
export interface LlmHealth {
  status: 'ok' | 'failing' | 'unknown';
  last_error: string | null;
  last_error_at: number | null;
  last_ok_at: number | null;
  consecutive_failures: number;
}

export function llmHealth(p: LlmProvider): LlmHealth {
  return p.health?.() ?? { status: 'unknown', last_error: null, last_error_at: null, last_ok_at: null, consecutive_failures: 0 };
}

/** Wraps a provider so every call's outcome is remembered for `health()`. */
export class TrackedProvider implements LlmProvider {
  readonly stream?: (req: CompletionRequest) => AsyncIterable<StreamEvent>;
  readonly embed?: (texts: string[], signal?: AbortSignal) => Promise<Float32Array[]>;
  private state: LlmHealth = { status: 'unknown', last_error: null, last_error_at: null, last_ok_at: null, consecutive_failures: 0 };

  constructor(private readonly inner: LlmProvider, private readonly now: () => number = Date.now) {
    const stream = inner.stream?.bind(inner);
    if (stream) this.stream = (req) => this.tracked(stream(req), req.signal);
    const embed = inner.embed?.bind(inner);
    if (embed) this.embed = (texts, signal) => this.settle(embed(texts, signal), signal);
  }

  get name(): string {
    return this.inner.name;
  }

  get model(): string {
    return this.inner.model;
  }

  complete(req: CompletionRequest): Promise<Completion> {
    return this.settle(this.inner.complete(req), req.signal);
  }

  health(): LlmHealth {
    return { ...this.state };
  }

  private ok(): void {
    this.state = { ...this.state, status: 'ok', last_ok_at: this.now(), consecutive_failures: 0 };
  }

  private failed(e: unknown, signal: AbortSignal | undefined): void {
    if (signal?.aborted) return;
    this.state = { ...this.state, status: 'failing', last_error: e instanceof Error ? e.message : String(e), last_error_at: this.now(), consecutive_failures: this.state.consecutive_failures + 1 };
  }

  private async settle<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    try {
      const out = await p;
      this.ok();
      return out;
    } catch (e) {
      this.failed(e, signal);
      throw e;
    }
  }

  private async *tracked(events: AsyncIterable<StreamEvent>, signal: AbortSignal | undefined): AsyncIterable<StreamEvent> {
    try {
      for await (const ev of events) {
        if (ev.type === 'done') this.ok();
        yield ev;
      }
    } catch (e) {
      this.failed(e, signal);
      throw e;
    }
  }
}

/** Streams from a provider: natively when it can, else its whole reply as a single delta. */
export async function* streamCompletion(provider: LlmProvider, req: CompletionRequest): AsyncIterable<StreamEvent> {
  if (provider.stream) {
    yield* provider.stream(req);
    return;
  }
  const completion = await provider.complete(req);
  yield { type: 'delta', content: completion.content };
  yield { type: 'done', completion };
}

export interface LlmConfig {
  provider: 'local' | 'openai';
  baseUrl: string;
  apiKey: string;
  model: string;
  embeddingModel: string;
  timeoutMs: number;
}

/** Rough token count (4 chars per token), used where no tokenizer is available. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Offline and deterministic: the same messages always give the same reply. */
export class LocalProvider implements LlmProvider {
  readonly name = 'local';
  readonly model = 'local-deterministic';

  async complete(req: CompletionRequest): Promise<Completion> {
    return this.reply(req);
  }

  /** The same reply as `complete`, in chunks of a few words (whitespace kept, so chunks concatenate back exactly). */
  async *stream(req: CompletionRequest): AsyncIterable<StreamEvent> {
    const completion = this.reply(req);
    const parts = completion.content.match(/\S+\s*/g) ?? [];
    for (let i = 0; i < parts.length; i += LocalProvider.WORDS_PER_CHUNK) {
      if (req.signal?.aborted) throw new KernelFailure('unavailable', 'stream aborted by the caller');
      yield { type: 'delta', content: parts.slice(i, i + LocalProvider.WORDS_PER_CHUNK).join('') };
    }
    yield { type: 'done', completion };
  }

  private static readonly WORDS_PER_CHUNK = 4;

  private reply(req: CompletionRequest): Completion {
    const last = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const digest = createHash('sha256').update(JSON.stringify(req.messages)).digest('hex').slice(0, 8);
    const summary = last.length > 160 ? `${last.slice(0, 157)}...` : last;
    const content = `[local provider ${digest}] No language model is configured; this is a deterministic offline reply. Request: ${summary}`;
    const prompt = req.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    const completion = estimateTokens(content);
    return { content, model: this.model, provider: this.name, usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }, finishReason: 'stop' };
  }
}

interface OpenAiUsage { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number }

interface OpenAiChatReply {
  model?: string;
  choices?: { message?: { content?: string }; finish_reason?: string | null }[];
  usage?: OpenAiUsage;
}

interface OpenAiChunk {
  model?: string;
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: OpenAiUsage | null;
  error?: { message?: string };
}

function usageOf(u: OpenAiUsage | null | undefined, content: string, promptFallback = 0): Usage {
  const p = u?.prompt_tokens ?? promptFallback;
  const c = u?.completion_tokens ?? estimateTokens(content);
  return { prompt_tokens: p, completion_tokens: c, total_tokens: u?.total_tokens ?? p + c };
}

interface OpenAiEmbeddingReply {
  data?: { embedding?: number[] }[];
}

export class OpenAiProvider implements LlmProvider {
  readonly name = 'openai';
  constructor(private readonly cfg: LlmConfig, private readonly fetchImpl: typeof fetch = fetch) {}

  get model(): string {
    return this.cfg.model;
  }

  async complete(req: CompletionRequest): Promise<Completion> {
    const body = { model: this.cfg.model, messages: req.messages, temperature: req.temperature ?? 0.2, max_tokens: req.maxTokens };
    const json = (await this.post('/chat/completions', body, req.signal)) as OpenAiChatReply;
    const choice = json.choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== 'string') throw new KernelFailure('unavailable', 'LLM endpoint returned no message content');
    const out: Completion = { content, model: json.model ?? this.cfg.model, provider: this.name, usage: usageOf(json.usage, content) };
    if (choice?.finish_reason) out.finishReason = choice.finish_reason;
    return out;
  }

  /**
   * Proxies the endpoint's SSE stream (`stream: true`), asking for the usage chunk at the end;
   * servers that refuse `stream_options` with a 400 are asked again without it.
   */
  async *stream(req: CompletionRequest): AsyncIterable<StreamEvent> {
    const body = { model: this.cfg.model, messages: req.messages, temperature: req.temperature ?? 0.2, max_tokens: req.maxTokens, stream: true };
    const res = await this.send('/chat/completions', { ...body, stream_options: { include_usage: true } }, req.signal).catch((e: unknown) => {
      if (e instanceof KernelFailure && e.details.upstream_status === 400) return this.send('/chat/completions', body, req.signal);
      throw e;
    });
    if (!res.body) throw new KernelFailure('unavailable', 'LLM endpoint returned an empty stream');
    let content = '';
    let model = this.cfg.model;
    let finishReason = 'stop';
    let usage: OpenAiUsage | null = null;
    const prompt = req.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    for await (const data of sseData(res.body)) {
      if (data === '[DONE]') break;
      let chunk: OpenAiChunk;
      try {
        chunk = JSON.parse(data) as OpenAiChunk;
      } catch {
        throw new KernelFailure('unavailable', 'LLM endpoint sent a malformed stream chunk');
      }
      if (chunk.error) throw new KernelFailure('unavailable', `LLM endpoint stream failed: ${chunk.error.message ?? 'unknown error'}`);
      if (chunk.model) model = chunk.model;
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      const delta = choice?.delta?.content;
      if (typeof delta === 'string' && delta !== '') {
        content += delta;
        yield { type: 'delta', content: delta };
      }
    }
    yield { type: 'done', completion: { content, model, provider: this.name, usage: usageOf(usage, content, prompt), finishReason } };
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const json = (await this.post('/embeddings', { model: this.cfg.embeddingModel, input: texts }, signal)) as OpenAiEmbeddingReply;
    const rows = json.data ?? [];
    if (rows.length !== texts.length) throw new KernelFailure('unavailable', 'embedding endpoint returned the wrong number of vectors');
    return rows.map((r) => Float32Array.from(r.embedding ?? []));
  }

  private async post(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    return (await this.send(path, body, signal)).json();
  }

  private async send(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    const url = this.cfg.baseUrl.replace(/\/+$/, '') + path;
    const timeout = AbortSignal.timeout(this.cfg.timeoutMs);
    const res = await this.fetchImpl(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(this.cfg.apiKey ? { Authorization: `Bearer ${this.cfg.apiKey}` } : {}) },
      body: JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    }).catch((e: unknown) => {
      throw new KernelFailure('unavailable', `LLM endpoint unreachable: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (!res.ok) throw new KernelFailure('unavailable', `LLM endpoint answered ${res.status}`, { upstream_status: res.status });
    return res;
  }
}

/** The `data:` payloads of a server-sent-events body, one per event (multi-line data joined by newlines). */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let buf = '';
  let data: string[] = [];
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read().catch((e: unknown) => {
        throw new KernelFailure('unavailable', `LLM stream interrupted: ${e instanceof Error ? e.message : String(e)}`);
      });
      buf += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        if (line === '') {
          if (data.length) yield data.join('\n');
          data = [];
        } else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
      if (done) break;
    }
    if (data.length) yield data.join('\n');
  } finally {
    // Stops the upstream body when the consumer leaves early (client gone, error).
    await reader.cancel().catch(() => undefined);
  }
}

export function createLlmProvider(cfg: LlmConfig): LlmProvider {
  return new TrackedProvider(cfg.provider === 'openai' ? new OpenAiProvider(cfg) : new LocalProvider());
}
