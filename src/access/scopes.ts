// Scopes and domains: the two dimensions of every credential. Scopes are a strict order
// (admin > manager > generator); domains name the feature areas a credential can reach.

export const scopes = ['generator', 'manager', 'admin'] as const;
export type Scope = (typeof scopes)[number];

export const domains = ['models', 'prompts', 'usage', 'webhooks', 'billing', 'keys'] as const;
export type Domain = (typeof domains)[number];

/** A credential's domains: the list it was given, or every domain. */
export type DomainGrant = readonly Domain[] | '*';

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (scopes as readonly string[]).includes(value);
}

export function isDomain(value: unknown): value is Domain {
  return typeof value === 'string' && (domains as readonly string[]).includes(value);
}

/** Whether `held` is at least `required` in the strict order. */
export function scopeAtLeast(held: Scope, required: Scope): boolean {
  return scopes.indexOf(held) >= scopes.indexOf(required);
}

export function grantsDomain(grant: DomainGrant, domain: Domain): boolean {
  return grant === '*' || grant.includes(domain);
}

/** Whether every domain of `inner` is also in `outer` (a key may not reach further than its creator). */
export function grantWithin(inner: DomainGrant, outer: DomainGrant): boolean {
  if (outer === '*') return true;
  if (inner === '*') return false;
  return inner.every((domain) => outer.includes(domain));
}
