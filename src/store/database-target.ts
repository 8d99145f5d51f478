// Which database a `database.url` setting points at. Kept free of I/O so it is cheap to test.
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type DatabaseTarget =
  | { dialect: 'postgres'; connectionString: string; /** For messages: the URL without its password. */ description: string }
  | { dialect: 'sqlite'; /** `:memory:` or an absolute file path. */ filename: string; description: string };

export const defaultSqliteFilename = 'switchyard.db';

export function resolveDatabaseTarget(url: string | undefined, dataDir: string): DatabaseTarget {
  if (url === undefined || url === '') return sqliteFile(join(dataDir, defaultSqliteFilename));
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return { dialect: 'postgres', connectionString: url, description: describePostgresUrl(url) };
  }
  if (url === ':memory:' || url === 'sqlite::memory:' || url === 'sqlite://:memory:') {
    return { dialect: 'sqlite', filename: ':memory:', description: 'SQLite in memory' };
  }
  if (url.startsWith('file://')) return sqliteFile(fileURLToPath(url));
  if (url.startsWith('file:')) return sqliteFile(url.slice('file:'.length));
  if (url.startsWith('sqlite:')) {
    // Accept `sqlite:path`, `sqlite://relative/path` and `sqlite:///absolute/path`.
    const rest = url.slice('sqlite:'.length);
    return sqliteFile(rest.startsWith('//') ? rest.slice(2) : rest);
  }
  throw new Error(
    `Unsupported database.url "${redactUrlPassword(url)}": use postgres://user@host:5432/database for PostgreSQL, ` +
      'sqlite:<path> or file:<path> for a SQLite file, or sqlite::memory: for an in-memory database.',
  );
}

function sqliteFile(path: string): DatabaseTarget {
  if (path === '') throw new Error('database.url names a SQLite database without a path (expected sqlite:<path>).');
  const filename = isAbsolute(path) ? path : resolve(path);
  return { dialect: 'sqlite', filename, description: `SQLite database ${filename}` };
}

function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username === '' ? '' : `${decodeURIComponent(parsed.username)}@`;
    const host = parsed.host === '' ? 'localhost' : parsed.host;
    const database = parsed.pathname.length > 1 ? decodeURIComponent(parsed.pathname.slice(1)) : user.slice(0, -1);
    return `PostgreSQL database "${database}" at ${user}${host}`;
  } catch {
    return `PostgreSQL database ${redactUrlPassword(url)}`;
  }
}

/** Replaces the password in `scheme://user:password@host` with `***`. */
export function redactUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
