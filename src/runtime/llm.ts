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

export interface Completion {
  content: string;
  model: string;
  provider: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

export interface LlmProvider {
  readonly name: string;
  readonly model: string;
  complete(req: CompletionRequest): Promise<Completion>;
  embed?(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
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
    const last = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const digest = createHash('sha256').update(JSON.stringify(req.messages)).digest('hex').slice(0, 8);
    const summary = last.length > 160 ? `${last.slice(0, 157)}...` : last;
    const content = `[local provider ${digest}] No language model is configured; this is a deterministic offline reply. Request: ${summary}`;
    const prompt = req.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
    const completion = estimateTokens(content);
    return { content, model: this.model, provider: this.name, usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } };
  }
}

interface OpenAiChatReply {
  model?: string;
  choices?: { message?: { content?: string } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
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
    const content = json.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new KernelFailure('unavailable', 'LLM endpoint returned no message content');
    const u = json.usage ?? {};
    const p = u.prompt_tokens ?? 0;
    const c = u.completion_tokens ?? estimateTokens(content);
    return { content, model: json.model ?? this.cfg.model, provider: this.name, usage: { prompt_tokens: p, completion_tokens: c, total_tokens: u.total_tokens ?? p + c } };
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const json = (await this.post('/embeddings', { model: this.cfg.embeddingModel, input: texts }, signal)) as OpenAiEmbeddingReply;
    const rows = json.data ?? [];
    if (rows.length !== texts.length) throw new KernelFailure('unavailable', 'embedding endpoint returned the wrong number of vectors');
    return rows.map((r) => Float32Array.from(r.embedding ?? []));
  }

  private async post(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
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
    return res.json();
  }
}

export function createLlmProvider(cfg: LlmConfig): LlmProvider {
  return cfg.provider === 'openai' ? new OpenAiProvider(cfg) : new LocalProvider();
}
