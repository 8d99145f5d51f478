// Structured logs with pino. Secrets are redacted by path; nothing logs request bodies.
import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

export type Logger = Pick<PinoLogger, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'child'>;

const redact = [
  'apiKey',
  '*.apiKey',
  'providers.*.apiKey',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  'headers["x-provider-key"]',
  'req.headers["x-provider-key"]',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
];

export function createLogger(level: LevelWithSilent, destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: redact, censor: '[redacted]' }, base: { service: 'switchyard' } };
  if (destination) return pino(options, destination);
  // Asynchronous writes keep logging off the request path.
  return pino(options, pino.destination({ sync: false }));
}

export const silentLogger: Logger = pino({ level: 'silent' });
