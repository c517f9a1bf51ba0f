// The §3.3 example state and small builders for variations of it.
import type { GameState, MonsterState } from "../../../src/services/openkore/engine/types.ts";

export function specState(): GameState {
  return {
    session_id: "550e8400-e29b-41d4-a716-446655440000",
    timestamp: 1738744800000,
    tick_number: 12345,
    player: {
      id: 150001, name: "PlayerName", level: 85, job: "Knight", job_level: 50,
      hp: 5234, hp_max: 8500, sp: 423, sp_max: 650,
      position: { x: 150, y: 200, map: "prontera" },
      status: ["active"], weight: 1500, weight_max: 2400,
    },
    monsters: [
      { id: 200001, name: "Poring", level: 1, hp_percent: 100, position: { x: 155, y: 205 }, distance: 7.07, aggressive: false },
    ],
    items: [{ id: 501, name: "Red Potion", quantity: 50 }],
    party: [],
    skills: [{ id: 5, name: "Bash", level: 10, sp_cost: 8 }],
  };
}

export function withHp(s: GameState, frac: number): GameState {
  return { ...s, player: { ...s.player, hp: Math.round(s.player.hp_max * frac) } };
}

export function monster(id: number, distance: number, aggressive: boolean, x = 150 + distance, y = 200): MonsterState {
  return { id, name: `Mob${id}`, level: 10, hp_percent: 100, position: { x, y }, distance, aggressive };
}
