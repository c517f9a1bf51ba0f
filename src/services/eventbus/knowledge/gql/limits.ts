/**
 * Depth and complexity of an operation, computed from its AST and the schema with the
 * request's variables: depth counts nested selections (introspection fields excepted);
 * cost counts every field once, and a list field multiplies its children by its `limit`
 * argument (or `defaultListSize` when it has none).
 */
import { getNamedType, getNullableType, isListType, Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLNamedType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode, type ValueNode } from 'graphql';
import { isObjectType, isInterfaceType } from 'graphql';

export interface Cost {
  depth: number;
  cost: number;
}

function argValue(v: ValueNode, vars: Record<string, unknown>): unknown {
  if (v.kind === Kind.INT) return Number(v.value);
  if (v.kind === Kind.VARIABLE) return vars[v.name.value];
  return undefined;
}

export function measure(schema: GraphQLSchema, doc: DocumentNode, op: OperationDefinitionNode, vars: Record<string, unknown>, defaultListSize: number): Cost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let maxDepth = 0;
  const walk = (set: SelectionSetNode, type: GraphQLNamedType | null | undefined, depth: number, seen: Set<string>): number => {
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        if (name.startsWith('__')) continue;
        maxDepth = Math.max(maxDepth, depth);
        const def = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[name] : undefined;
        let child = 0;
        if (sel.selectionSet) child = walk(sel.selectionSet, def ? getNamedType(def.type) : null, depth + 1, seen);
        let mult = 1;
        if (def && isListType(getNullableType(def.type))) {
          const lim = sel.arguments?.find((a) => a.name.value === 'limit');
          const v = lim ? argValue(lim.value, vars) : undefined;
          mult = typeof v === 'number' && v >= 0 ? v : defaultListSize;
        }
        cost += 1 + mult * child;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        cost += walk(sel.selectionSet, t, depth, seen);
      } else {
        const f = fragments.get(sel.name.value);
        if (!f || seen.has(f.name.value)) continue;
        cost += walk(f.selectionSet, schema.getType(f.typeCondition.name.value), depth, new Set([...seen, f.name.value]));
      }
    }
    return cost;
  };
  const root = op.operation === 'mutation' ? schema.getMutationType() : op.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  const cost = walk(op.selectionSet, root, 1, new Set());
  return { depth: maxDepth, cost };
}
