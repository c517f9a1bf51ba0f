/** Structured JSON-line logging: `{timestamp, level, component, trace_id, span_id, message, ...}`. */

export const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

export interface LogFields {
  trace_id?: string;
  span_id?: string;
  [key: string]: unknown;
}

export type LogSink = (line: string) => void;

export interface Logger {
  readonly level: LogLevel;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(component: string): Logger;
  enabled(level: LogLevel): boolean;
}

const stdoutSink: LogSink = (line) => {
  process.stdout.write(line + '\n');
};

export function createLogger(component: string, level: LogLevel = 'info', sink: LogSink = stdoutSink): Logger {
  const threshold = LEVELS[level];
  const emit = (lvl: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void => {
    if (LEVELS[lvl] < threshold) return;
    sink(JSON.stringify({ timestamp: new Date().toISOString(), level: lvl, component, message, ...fields }));
  };
  return {
    level,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (sub) => createLogger(`${component}.${sub}`, level, sink),
    enabled: (lvl) => LEVELS[lvl] >= threshold,
  };
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(LEVELS, value);
}
