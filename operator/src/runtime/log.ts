// Structured JSON logs (winston): one line per event with a timestamp, level, message and context
// (the CR as namespace/name). Secrets are never passed to the logger.
import winston from 'winston';

export type Logger = winston.Logger;

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { component: 'tsredis-operator' },
    transports: [new winston.transports.Console()],
  });
}
