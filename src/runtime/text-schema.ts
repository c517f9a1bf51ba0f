/**
 * Bounded string schemas for free-text and id fields. Every string a client sends is
 * stored, logged or echoed somewhere, so each has a documented maximum; control
 * characters (NUL and friends) are refused where they make no sense: everywhere in an
 * id or a one-line name, everywhere but tab/newline/CR in multi-line text.
 */
import { Type, type StringOptions, type TString } from '@sinclair/typebox';

/** No C0 control character and no DEL. */
export const SINGLE_LINE_PATTERN = '^[^\\u0000-\\u001f\\u007f]*$';
/** As above, but tab, newline and carriage return are allowed. */
export const MULTI_LINE_PATTERN = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$';

interface TextOptions extends Omit<StringOptions, 'maxLength' | 'pattern'> {
  minLength?: number;
}

function bounded(maxLength: number, pattern: string, what: string, o: TextOptions): TString {
  const min = o.minLength ?? 0;
  const size = min > 0 ? `${min}-${maxLength}` : `at most ${maxLength}`;
  return Type.String({ ...o, maxLength, pattern, 'x-expected': `a string of ${size} characters without ${what}` });
}

/** An id, name or path: one line, no control characters, at most `maxLength` characters. */
export function SingleLine(maxLength: number, o: TextOptions = {}): TString {
  return bounded(maxLength, SINGLE_LINE_PATTERN, 'control characters', o);
}

/** Free text that may span lines (tab, newline, CR allowed), at most `maxLength` characters. */
export function MultiLine(maxLength: number, o: TextOptions = {}): TString {
  return bounded(maxLength, MULTI_LINE_PATTERN, 'control characters other than tab and newline', o);
}
