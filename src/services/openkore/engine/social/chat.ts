// Chat processing (REFERENCE §1): who to ignore, when to answer, what to say, and
// a human-like typing delay. Pure: the caller supplies the sender's recent message
// times, an RNG and the clock.
import type { Rng } from "../rng.ts";
import type { SocialConfig } from "./config.ts";
import { isBelow, tierOf, type PlayerRecord } from "./reputation.ts";

export type Channel = "whisper" | "party" | "guild" | "public";
export interface ChatMessage { sender_id: number; sender_name: string; message: string; channel: Channel; conversation_id?: string }

export interface ChatResult {
  should_respond: boolean;
  response_message: string | null;
  delay_ms: number;
  reasoning: string;
  reputation_adjustment: number;
  /** Adjustment kind applied ("spam", "friendly_chat") for the note log. */
  adjustment_kind?: string;
}

// Intent → replies; the first matching intent wins, replies rotate by RNG.
const INTENTS: { re: RegExp; replies: string[] }[] = [
  { re: /\b(party|pt|group)\b/i, replies: ["sure why not", "ok send invite", "sure, inv me"] },
  { re: /\b(hi|hey|hello|yo|sup)\b/i, replies: ["hey", "hi there", "yo"] },
  { re: /\b(thanks|thx|ty)\b/i, replies: ["np", "no problem", "anytime"] },
  { re: /\b(help|heal|buff)\b/i, replies: ["sure, one sec", "ok coming"] },
  { re: /\b(bot|botting|macro)\b/i, replies: ["lol no", "just grinding"] },
  { re: /\?\s*$/, replies: ["not sure tbh", "hmm dunno", "no idea sorry"] },
  { re: /\b(bye|cya|later)\b/i, replies: ["cya", "bye"] },
];
const FALLBACK = ["ok", "haha", "yeah"];

function pick(list: readonly string[], rng: Rng): string {
  return list[Math.min(list.length - 1, Math.floor(rng.next() * list.length))] ?? "ok";
}

export function typingDelay(text: string, rng: Rng, cfg: SocialConfig): number {
  const c = cfg.chat;
  const base = (text.length / c.chars_per_second) * 1000 + c.think_ms;
  const jitter = 1 + (rng.next() * 2 - 1) * c.jitter;
  return Math.round(Math.max(c.min_delay_ms, Math.min(c.max_delay_ms, base * jitter)));
}

const silent = (reasoning: string, adj = 0, kind?: string): ChatResult => {
  const r: ChatResult = { should_respond: false, response_message: null, delay_ms: 0, reasoning, reputation_adjustment: adj };
  if (kind) r.adjustment_kind = kind;
  return r;
};

/**
 * @param recentTimes send times (ms) of this sender's earlier messages, any order.
 */
export function processChat(msg: ChatMessage, rec: PlayerRecord, recentTimes: readonly number[], now: number, rng: Rng, cfg: SocialConfig): ChatResult {
  const c = cfg.chat;
  const tier = tierOf(rec.reputation_score, cfg);
  if (rec.flags.is_blacklisted) return silent("Sender is blacklisted");
  const whitelisted = rec.flags.is_whitelisted || tier === "whitelisted";
  const lastMinute = recentTimes.filter((t) => now - t < 60_000).length + 1;
  if (!whitelisted && lastMinute > c.spam_messages_per_minute) {
    return silent(`Spam: ${lastMinute} messages in a minute`, cfg.adjustments.spam ?? -5, "spam");
  }
  const lower = msg.message.toLowerCase();
  const words = new Set(lower.split(/[^a-z0-9:]+/).filter(Boolean));
  const tradeSpam = c.spam_keywords.find((k) => (k.includes(":") ? lower.includes(k) : words.has(k)));
  const known = rec.flags.is_friend || rec.flags.is_guild_member;
  if (!whitelisted) {
    if (tradeSpam !== undefined) return silent(`Trade spam keyword "${tradeSpam}"`);
    if (msg.channel === "whisper" && !known && isBelow(rec.reputation_score, "neutral", cfg)) {
      return silent(`Whisper from a ${tier} stranger`);
    }
    const p = c.answer_probability[msg.channel] ?? 0;
    if (rng.next() >= p) return silent(`Not answering ${msg.channel} chat this time`);
  }
  const intent = INTENTS.find((i) => i.re.test(msg.message));
  const reply = pick(intent ? intent.replies : FALLBACK, rng);
  const who = whitelisted ? "Whitelisted player" : known ? (rec.flags.is_friend ? "Friend" : "Guild member") : `${tier[0]!.toUpperCase()}${tier.slice(1)} player`;
  const adj = cfg.adjustments.friendly_chat ?? 1;
  return {
    should_respond: true, response_message: reply, delay_ms: typingDelay(reply, rng, cfg),
    reasoning: `${who}, not busy`, reputation_adjustment: adj, adjustment_kind: "friendly_chat",
  };
}
