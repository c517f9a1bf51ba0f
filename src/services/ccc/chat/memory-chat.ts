/**
 * POST /v2/chat/completions: the request's session and conversation, stored memory and agent
 * state in the prompt, one reply (or the covenant cycle's three), the turns stored when asked,
 * and `memory_metadata` saying what was used and stored.
 */
import type { ChatMessage, Completion, CompletionRequest, LlmProvider } from '../../../runtime/llm.ts';
import type { RequestContext } from '../../../runtime/service.ts';
import type { Access } from '../access.ts';
import { promptSection } from '../engine/agents.ts';
import { runCovenant, type CovenantStep, type StepEvent } from '../engine/covenant.ts';
import { PERSONAS } from '../engine/personas.ts';
import { systemMessage, withSystem, type MemoryContext } from '../engine/prompt.ts';
import { byteLength } from '../engine/text.ts';
import { conversationNotFound, invalid } from '../errors.ts';
import type { Memory } from '../memory.ts';
import type { CccOptions } from '../options.ts';
import type { ChatV2Body } from '../schema.ts';
import type { CccStore } from '../store/index.ts';
import type { ConversationRow, Permission, Responder, SessionRow } from '../types.ts';
import type { TurnInput, Writer } from '../writer.ts';
import { lastUserMessage, providerRequest, toChatMessages } from './openai.ts';
import { callProvider } from './provider.ts';

export type ChatStep = 'reply' | CovenantStep;

export interface StepResult {
  step: ChatStep;
  agent: Responder;
  completion: Completion;
  ms: number;
}

export interface Plan {
  session: SessionRow;
  conversation: ConversationRow | null;
  store: boolean;
  covenant: boolean;
  agent: Responder;
  /** The client's messages, normalised. */
  messages: ChatMessage[];
  directive: string;
  memory: MemoryContext | null;
  contextScores: number[];
  relevantConversations: number;
  includeState: boolean;
  req: Omit<CompletionRequest, 'messages'>;
  abort: AbortController;
}

export interface Stored {
  conversationId: string;
  userTurnId: string | null;
  turnIds: string[];
}

export class MemoryChat {
  constructor(
    private readonly store: CccStore,
    private readonly access: Access,
    private readonly memory: Memory,
    private readonly writer: Writer,
    private readonly llm: LlmProvider,
    private readonly o: CccOptions,
  ) {}

  plan(ctx: RequestContext, b: ChatV2Body): Plan {
    const mo = b.memory_options ?? {};
    const store = mo.auto_store_response ?? true;
    const need: Permission[] = store ? ['memory', 'write'] : ['memory'];
    const session = this.access.session(ctx, b.session_id ?? this.access.auth(ctx).sessionId, need, store ? 'chat_completion' : null);
    let conversation: ConversationRow | null = null;
    if (b.conversation_id !== undefined) {
      conversation = this.store.conversations.get(b.conversation_id);
      if (!conversation || conversation.session_id !== session.id) throw conversationNotFound(b.conversation_id);
    }
    const messages = toChatMessages(b.messages);
    const directive = lastUserMessage(messages);
    if (directive === null) throw invalid('messages must include a user message with text', { field: 'messages', expected: 'a user message' });
    if (store) {
      this.writer.checkSizes([{ agent: 'wykeve', content: directive, metadata: {} }]);
      this.writer.checkQuota(session, byteLength(directive) * (conversation ? 1 : 2));
    }
    const abort = new AbortController();
    const plan: Plan = {
      session, conversation, store, covenant: b.covenant === true, agent: b.agent ?? (this.o.defaultAgent as Responder), messages, directive,
      memory: null, contextScores: [], relevantConversations: 0, includeState: mo.include_agent_state ?? true, req: providerRequest(b, abort.signal), abort,
    };
    if (mo.use_context ?? true) this.gather(plan, mo.context_depth ?? session.context_depth, mo.relevance_threshold ?? this.o.contextThreshold);
    return plan;
  }

  /** Relevant earlier conversations and turns, and the current conversation's latest turns. */
  private gather(p: Plan, depth: number, threshold: number): void {
    const exclude = p.conversation?.seq;
    const convs = this.memory.relevantConversations(p.session, p.directive, threshold, depth, exclude);
    const convIds = new Set(convs.map((c) => c.conversation.id));
    // A relevant conversation's directive turn would repeat its summary: leave it out.
    const hits = this.memory.search(p.session, p.directive, { maxResults: depth, threshold, start: 0, end: Number.MAX_SAFE_INTEGER, excludeConversationSeq: exclude }).hits
      .filter((h) => !(convIds.has(h.conversation.id) && h.turn.turn_number === 1));
    const recent = p.conversation ? this.store.conversations.lastTurns(p.conversation.seq, depth) : [];
    p.memory = {
      summary: this.memory.summary(p.session),
      conversations: convs.map((c) => ({ directive: c.conversation.directive, summary: c.summary, relevance: c.rel.score })),
      turns: hits.map((h) => ({ agent: h.turn.agent, directive: h.conversation.directive, snippet: h.snippet, relevance: h.rel.score })),
      recent: recent.map((t) => ({ agent: t.agent, content: t.content })),
    };
    p.contextScores = [...convs.map((c) => c.rel.score), ...hits.map((h) => h.rel.score)];
    p.relevantConversations = new Set([...convs.map((c) => c.conversation.id), ...hits.map((h) => h.conversation.id)]).size;
  }

  contextUsed(p: Plan): boolean {
    const m = p.memory;
    return m !== null && m.conversations.length + m.turns.length + m.recent.length > 0;
  }

  private system(p: Plan, agent: Responder): ChatMessage {
    const state = p.includeState ? promptSection(agent, this.store.agents.get(p.session.id, agent).state) : null;
    return systemMessage(PERSONAS[agent].prompt, state, p.memory);
  }

  /** The reply's steps as events: one `reply` step, or the covenant's analysis, execution and review. */
  async *events(p: Plan, stream: boolean): AsyncIterable<StepEvent<ChatStep>> {
    const call = (messages: ChatMessage[]) => callProvider(this.llm, { messages, ...p.req }, stream);
    if (p.covenant) {
      let last = -1;
      p.messages.forEach((m, i) => {
        if (m.role === 'user') last = i;
      });
      yield* runCovenant({ directive: p.directive, system: (a) => this.system(p, a), history: p.messages.slice(0, last) }, call);
      return;
    }
    yield { type: 'step', step: 'reply', agent: p.agent };
    for await (const e of call(withSystem(this.system(p, p.agent), p.messages))) {
      if (e.type === 'delta') yield { type: 'delta', step: 'reply', agent: p.agent, content: e.content };
      else yield { type: 'done', step: 'reply', agent: p.agent, completion: e.completion };
    }
  }

  /** Stores the user's message (when new to the conversation) and every step's reply, in one transaction. */
  save(p: Plan, results: readonly StepResult[]): Stored {
    const turns: TurnInput[] = [];
    const last = p.conversation ? this.store.conversations.lastTurnBy(p.conversation.seq, 'wykeve') : null;
    const userTurn = p.conversation === null || last?.content !== p.directive;
    if (userTurn) turns.push({ agent: 'wykeve', content: p.directive, metadata: { user_input: true } });
    for (const r of results) {
      const c = r.completion;
      turns.push({
        agent: r.agent, content: c.content,
        metadata: {
          model: c.model, provider: c.provider, temperature: p.req.temperature ?? null, max_tokens: p.req.maxTokens ?? null, response_time_ms: Math.round(r.ms * 1000) / 1000,
          prompt_tokens: c.usage.prompt_tokens, completion_tokens: c.usage.completion_tokens, finish_reason: c.finishReason ?? 'stop',
          context_used: this.contextUsed(p), ...(p.covenant ? { covenant_step: r.step } : {}),
        },
      });
    }
    const target = p.conversation ? { seq: p.conversation.seq, id: p.conversation.id } : { directive: p.directive, metadata: {} };
    const w = this.writer.write(p.session.id, target, turns, 'chat_completion', p.covenant);
    const ids = w.turns.map((t) => t.turn_id);
    return { conversationId: w.conversationId, userTurnId: userTurn ? ids[0]! : null, turnIds: userTurn ? ids.slice(1) : ids };
  }

  /** Counts the request in the session's context statistics (after it succeeded). */
  record(p: Plan): void {
    this.store.tx(() => {
      if (p.memory) this.store.stats.lookup(p.session.id, p.contextScores);
      this.store.stats.chat(p.session.id, this.contextUsed(p));
    });
  }

  metadata(p: Plan, s: Stored | null) {
    return {
      context_used: this.contextUsed(p),
      relevant_conversations: p.relevantConversations,
      agent_state_applied: p.includeState,
      turn_stored: s !== null,
      turn_id: s ? s.turnIds[s.turnIds.length - 1]! : null,
      conversation_id: s ? s.conversationId : p.conversation?.id ?? null,
      user_turn_id: s?.userTurnId ?? null,
      turn_ids: s ? s.turnIds : [],
    };
  }
}
