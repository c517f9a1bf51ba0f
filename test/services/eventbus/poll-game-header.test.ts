import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startBus, type Bus } from './bus.ts';

let bus: Bus;
beforeAll(async () => {
  bus = await startBus();
});
afterAll(() => bus.stop());

const queue = (game: string): Promise<Response> =>
  fetch(`${bus.url}/api/v1/commands`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ game_id: game, commands: ['play_hand'] }) });

describe('command poll header', () => {
  test('a game id a header cannot carry (control character, non-ASCII) is polled with X-Game-Id percent-encoded, not a 500', async () => {
    for (const game of ['g\u0000x', 'seed-\u00ff', 'run 😀']) {
      expect((await queue(game)).status).toBe(200);
      const r = await fetch(`${bus.url}/api/v1/commands/poll?game_id=${encodeURIComponent(game)}`);
      expect(r.status).toBe(200);
      expect(await r.text()).toBe('play_hand\n');
      expect(r.headers.get('x-game-id')).toBe(encodeURIComponent(game));
    }
  });

  test('a plain game id is echoed as sent', async () => {
    await queue('ABC 123');
    const r = await fetch(`${bus.url}/api/v1/commands/poll?game_id=ABC%20123`);
    expect(r.headers.get('x-game-id')).toBe('ABC 123');
    expect(await r.text()).toBe('play_hand\n');
  });
});
