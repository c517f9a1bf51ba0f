/**
 * kolibri_requests_total{route} and kolibri_errors_total{code,route}, read from the
 * kernel's per-service outcome counters (which also see the kernel's own rejections:
 * 413, 415, malformed JSON), so nothing is counted twice on the request path.
 */
import type { Metrics } from "../../runtime/metrics.ts";

/** `POST /api/v1/vm/run` → `/api/v1/vm/run`; the kernel's labels for unmatched requests stay as they are. */
const pathOf = (route: string): string => {
  const space = route.indexOf(" ");
  return space >= 0 ? route.slice(space + 1) : route;
};

export function renderRouteTotals(metrics: Metrics, service: string): string {
  const requests = new Map<string, number>();
  const errors = new Map<string, number>();
  for (const row of metrics.httpCounts(service)) {
    const route = pathOf(row.route);
    if (route.startsWith("/")) requests.set(route, (requests.get(route) ?? 0) + row.count);
    if (row.code !== null) {
      const key = `code="${row.code}",route="${route}"`;
      errors.set(key, (errors.get(key) ?? 0) + row.count);
    }
  }
  const lines: string[] = [];
  if (requests.size > 0) {
    lines.push("# HELP kolibri_requests_total Requests by route", "# TYPE kolibri_requests_total counter");
    for (const [route, n] of requests) lines.push(`kolibri_requests_total{route="${route}"} ${n}`);
  }
  if (errors.size > 0) {
    lines.push("# HELP kolibri_errors_total Error replies by route and code", "# TYPE kolibri_errors_total counter");
    for (const [labels, n] of errors) lines.push(`kolibri_errors_total{${labels}} ${n}`);
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}
