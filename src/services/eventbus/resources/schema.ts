/** TypeBox schemas of the resource coordinator's REST mirror. */
import { Type } from '@sinclair/typebox';
import { SingleLine } from '../../../runtime/text-schema.ts';
import { PRIORITIES, RESOURCE_TYPES } from './engine/allocator.ts';

const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));

export const RequestBody = Type.Object({
  component: SingleLine(128, { minLength: 1 }),
  type: lit(RESOURCE_TYPES),
  amount: Type.Integer({ minimum: 1, maximum: 1e12, description: 'units of the resource (percent of a GPU, MB, tokens)' }),
  duration_ms: Type.Optional(Type.Integer({ minimum: 0, description: 'the grant expires after this long; 0 = the default' })),
  priority: Type.Optional(lit(PRIORITIES)),
  wait_ms: Type.Optional(Type.Integer({ minimum: -1, description: 'longest wait in the priority queue; 0 = RESOURCE_REQUEST_TIMEOUT, -1 = do not wait' })),
  request_id: Type.Optional(SingleLine(128)),
}, { additionalProperties: false });

export const ReleaseBody = Type.Object({
  grant_id: SingleLine(128, { minLength: 1 }),
  component: Type.Optional(SingleLine(128)),
}, { additionalProperties: false });

export const GrantReply = Type.Object({
  grant_id: Type.String(), granted: Type.Boolean(), component: Type.String(), type: lit(RESOURCE_TYPES), amount: Type.Integer(), duration_ms: Type.Integer(),
  granted_at_ms: Type.Integer(), expires_at_ms: Type.Integer(), reason: Type.String(), waited_ms: Type.Integer(), available: Type.Integer(),
  request_id: Type.String(), priority: lit(PRIORITIES),
});

export const ReleaseReply = Type.Object({ grant_id: Type.String(), released: Type.Boolean(), amount: Type.Integer(), available: Type.Integer(), type: lit(RESOURCE_TYPES) });
