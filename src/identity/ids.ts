// Public ids: a type prefix and a time-ordered UUIDv7 without dashes (`key_0193…`), readable in logs and URLs.
import { uuidv7 } from '../http/request-id.js';

export type IdPrefix = 'org' | 'usr' | 'key' | 'cred' | 'aud' | 'evt' | 'btx';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${uuidv7().replaceAll('-', '')}`;
}
