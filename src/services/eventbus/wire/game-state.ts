/**
 * GameStateEvent (events.proto) encoded by hand with the back-to-front writer: it is the
 * largest typed payload and every GAME_STATE carries one (measured ~4x faster than
 * protobufjs's generic writer for a full BalatroMCP state). Tests decode the bytes with
 * protobufjs. Fields go in reverse order because the writer fills from the end.
 */
import type { CardView, GameStateView, JokerView } from '../engine/typed.ts';
import { BackWriter } from './back-writer.ts';

function str(w: BackWriter, tag: number, v: string | undefined): void {
  if (v === undefined || v === '') return;
  w.varint(w.str(v));
  w.byte(tag);
}

function int(w: BackWriter, tag: number, v: number | undefined): void {
  if (v === undefined || v === 0) return;
  w.int32(v);
  w.byte(tag);
}

/** A nested message under a one-byte tag. */
function nested(w: BackWriter, tag: number, body: () => void): void {
  const mark = w.len;
  body();
  w.varint(w.len - mark);
  w.byte(tag);
}

function card(w: BackWriter, tag: number, c: CardView): void {
  const mark = w.len;
  str(w, 0x2a, c.edition);
  str(w, 0x22, c.seal);
  str(w, 0x1a, c.enhancement);
  str(w, 0x12, c.rank);
  str(w, 0x0a, c.suit);
  w.varint(w.len - mark);
  w.byte(tag);
}

function joker(w: BackWriter, j: JokerView): void {
  nested(w, 0x2a, () => {
    const props = j.properties ? Object.keys(j.properties) : [];
    for (let i = props.length - 1; i >= 0; i--) {
      const k = props[i]!;
      nested(w, 0x22, () => {
        w.varint(w.str(j.properties![k]!));
        w.byte(0x12);
        w.varint(w.str(k));
        w.byte(0x0a);
      });
    }
    int(w, 0x18, j.position);
    str(w, 0x12, j.rarity);
    str(w, 0x0a, j.name);
  });
}

export function encodeGameState(v: GameStateView): Uint8Array {
  const w = new BackWriter(8192);
  writeGameState(w, v);
  return w.result();
}

/** Writes a GameStateEvent's fields in front of what `w` holds. */
export function writeGameState(w: BackWriter, v: GameStateView): void {
  const hist = v.score_history ? Object.keys(v.score_history) : [];
  for (let i = hist.length - 1; i >= 0; i--) {
    const k = hist[i]!;
    nested(w, 0x7a, () => {
      w.float(v.score_history![k]!);
      w.byte(0x15);
      w.varint(w.str(k));
      w.byte(0x0a);
    });
  }
  const shop = v.shop_items ? Object.keys(v.shop_items) : [];
  for (let i = shop.length - 1; i >= 0; i--) {
    const k = shop[i]!;
    nested(w, 0x72, () => {
      w.int32(v.shop_items![k]!);
      w.byte(0x10);
      w.varint(w.str(k));
      w.byte(0x0a);
    });
  }
  int(w, 0x68, v.discards_remaining);
  int(w, 0x60, v.hands_remaining);
  int(w, 0x58, v.hand_size);
  int(w, 0x50, v.money);
  int(w, 0x48, v.mult);
  int(w, 0x40, v.chips);
  const deck = v.deck ?? [];
  for (let i = deck.length - 1; i >= 0; i--) card(w, 0x3a, deck[i]!);
  const hand = v.hand ?? [];
  for (let i = hand.length - 1; i >= 0; i--) card(w, 0x32, hand[i]!);
  const jokers = v.jokers ?? [];
  for (let i = jokers.length - 1; i >= 0; i--) joker(w, jokers[i]!);
  int(w, 0x20, v.hand_number);
  int(w, 0x18, v.round);
  int(w, 0x10, v.ante);
  str(w, 0x0a, v.game_id);
}
