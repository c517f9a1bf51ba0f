/**
 * Pattern matching for what Bun's native router does not decide for us: 404 vs 405,
 * and in-process dispatch for peer calls (no socket involved).
 */
export interface CompiledPattern {
  path: string;
  regex: RegExp;
  names: string[];
}

export function compilePattern(path: string): CompiledPattern {
  const names: string[] = [];
  const source = path
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        names.push(seg.slice(1));
        return '([^/]+)';
      }
      if (seg === '*') return '.*';
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { path, regex: new RegExp(`^${source}/?$`), names };
}

export function matchPattern(p: CompiledPattern, pathname: string): Record<string, string> | null {
  const m = p.regex.exec(pathname);
  if (!m) return null;
  const params: Record<string, string> = {};
  p.names.forEach((n, i) => {
    params[n] = decodeURIComponent(m[i + 1] ?? '');
  });
  return params;
}
