// Social constants (REFERENCE §1); config/openkore/social.json mirrors them.

export interface SocialConfig {
  score_min: number;
  score_max: number;
  /** Tier thresholds, highest first: a score ≥ min gets that tier. */
  tiers: { name: string; min: number }[];
  lowest_tier: string;
  adjustments: Record<string, number>;
  max_notes: number;
  trade: {
    fair_ratio: number;
    bait_zeny: number;
    bait_ratio: number;
    high_value: number;
    scam_items: string[];
  };
  chat: {
    spam_messages_per_minute: number;
    spam_keywords: string[];
    answer_probability: Record<string, number>;
    chars_per_second: number;
    think_ms: number;
    jitter: number;
    min_delay_ms: number;
    max_delay_ms: number;
  };
}

export const DEFAULT_SOCIAL_CONFIG: SocialConfig = {
  score_min: -100,
  score_max: 100,
  tiers: [
    { name: "whitelisted", min: 100 },
    { name: "trusted", min: 75 },
    { name: "friendly", min: 50 },
    { name: "acquaintance", min: 25 },
    { name: "neutral", min: -9 },
    { name: "suspicious", min: -50 },
  ],
  lowest_tier: "blocked",
  adjustments: {
    buff: 2, fair_trade: 5, combat_help: 3, information: 1, friendly_chat: 1,
    scam: -30, unfair_trade: -10, spam: -5, kill_steal: -5, harassment: -15, bot_like: -20,
  },
  max_notes: 50,
  trade: {
    fair_ratio: 0.8,
    bait_zeny: 100_000,
    bait_ratio: 3,
    high_value: 1_000_000,
    scam_items: ["Fake Elunium", "Fake Oridecon", "Counterfeit Card", "Cursed Ruby"],
  },
  chat: {
    spam_messages_per_minute: 5,
    spam_keywords: ["buy", "sell", "trade", "zeny", "ad:", "wts", "wtb"],
    answer_probability: { whisper: 1, party: 0.2, guild: 0.15, public: 0.05 },
    chars_per_second: 8,
    think_ms: 500,
    jitter: 0.3,
    min_delay_ms: 200,
    max_delay_ms: 5000,
  },
};

export interface PriceEntry { id?: number; name: string; npc_price?: number; market_price?: number }
