// The logger the store writes to (pino's `logger.warn(obj, msg)` shape) and how errors are described
// in its lines: message and driver code only, never query parameters or connection strings.

export type StoreLogger = {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

export const consoleStoreLogger: StoreLogger = {
  warn: (obj, msg) => console.warn(msg ?? '', obj),
  error: (obj, msg) => console.error(msg ?? '', obj),
};

/** A short, secret-free description of a driver error (Node's AggregateError has an empty message). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message = error.message !== '' ? error.message : error instanceof AggregateError ? innerMessages(error) : '';
  if (message === '') return typeof code === 'string' ? code : error.name;
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

function innerMessages(error: AggregateError): string {
  return error.errors
    .map((inner: unknown) => (inner instanceof Error ? inner.message : String(inner)))
    .filter((message) => message !== '')
    .join('; ');
}
