// `switchyard <command>`: administration from the shell, on the same store and config as the server
// (`switchyard keys create`, `keys list`, `keys revoke`, `master-key`). Secrets are printed once, to stdout.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isDomain, isScope, type DomainGrant, type Scope } from '../access/scopes.js';
import { loadConfig } from '../config/load.js';
import { auditEntry } from '../identity/audit.js';
import { newId } from '../identity/ids.js';
import { keyView, newKeyRecord } from '../identity/key-service.js';
import { createLogger } from '../observability/logger.js';
import type { Store } from '../store/types.js';
import { openGatewayState } from './open-gateway-state.js';

export const cliCommands = ['keys', 'master-key', 'help', '--help', '-h'] as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

const usage = `Usage:
  switchyard                       start the gateway
  switchyard keys create [--name N] [--scope admin|manager|generator] [--domains models,usage|*]
                         [--org ORG_ID] [--expires-at ISO-8601]
                                   create an API key (default: an admin key for every domain in the
                                   operator organization) and print its secret once
  switchyard keys list [--org ORG_ID] [--all]
  switchyard keys revoke KEY_ID [--org ORG_ID]
  switchyard master-key            print a fresh random master key (for SWITCHYARD_MASTER_KEY)
Configuration comes from switchyard.yaml / SWITCHYARD_CONFIG and the environment, as for the server.`;

export async function runCli(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const [command, action, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') return void out.write(`${usage}\n`);
  if (command === 'master-key') return void out.write(`${randomBytes(32).toString('hex')}\n`);
  if (command !== 'keys') throw new UsageError(`Unknown command '${command}'.\n${usage}`);
  const config = loadConfig();
  const { store } = await openGatewayState(config, createLogger('warn', process.stderr));
  try {
    if (action === 'create') await createKeyCommand(store, rest, out);
    else if (action === 'list') await listKeysCommand(store, rest, out);
    else if (action === 'revoke') await revokeKeyCommand(store, rest, out);
    else throw new UsageError(`Unknown action 'keys ${action ?? ''}'.\n${usage}`);
  } finally {
    await store.close();
  }
}

async function createKeyCommand(store: Store, args: string[], out: NodeJS.WritableStream): Promise<void> {
  const { values } = parse(args, { name: 'string', scope: 'string', domains: 'string', org: 'string', 'expires-at': 'string' });
  const organizationId = await organizationOf(store, values.org);
  const scope = (values.scope ?? 'admin') as Scope;
  if (!isScope(scope)) throw new UsageError(`--scope must be admin, manager or generator, not '${values.scope}'.`);
  const domains = parseDomains(values.domains ?? '*');
  const expiresAt = values['expires-at'] === undefined ? null : new Date(values['expires-at']);
  if (expiresAt !== null && (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= Date.now())) {
    throw new UsageError('--expires-at must be a future ISO-8601 date, e.g. 2027-01-01T00:00:00Z.');
  }
  const now = new Date();
  const { record, secret } = newKeyRecord(organizationId, null, { name: values.name ?? 'cli', scope, domains }, expiresAt, now);
  const origin = { ip: null, userAgent: 'switchyard cli' };
  await store.access.createApiKey(record, {
    audit: [auditEntry(null, origin, 'api_key.created', { type: 'api_key', id: record.id }, { organizationId, at: now })],
    events: [{ id: newId('evt'), organizationId, type: 'api_key.created', data: keyView(record, now), createdAt: now }],
  });
  out.write(`Created ${record.id} (${scope}, ${domains === '*' ? 'every domain' : domains.join(', ')}) in ${organizationId}.\n`);
  out.write(`Secret (shown only once): ${secret}\n`);
}

async function listKeysCommand(store: Store, args: string[], out: NodeJS.WritableStream): Promise<void> {
  const { values } = parse(args, { org: 'string', all: 'boolean' });
  const organizationId = await organizationOf(store, values.org);
  const keys = await store.access.listApiKeys(organizationId, { limit: 1000, includeRevoked: values.all === true });
  if (keys.length === 0) return void out.write(`No keys in ${organizationId}.\n`);
  for (const key of keys.map((record) => keyView(record))) {
    const domains = key.domains === '*' ? '*' : key.domains.join(',');
    out.write(`${key.id}  ${key.redacted_key}  ${key.status.padEnd(7)}  ${key.scope.padEnd(9)}  ${domains}  ${key.name}\n`);
  }
}

async function revokeKeyCommand(store: Store, args: string[], out: NodeJS.WritableStream): Promise<void> {
  const { values, positionals } = parse(args, { org: 'string' });
  const id = positionals[0];
  if (id === undefined) throw new UsageError('keys revoke needs the key id (see switchyard keys list).');
  const organizationId = await organizationOf(store, values.org);
  const now = new Date();
  const audit = [auditEntry(null, { ip: null, userAgent: 'switchyard cli' }, 'api_key.revoked', { type: 'api_key', id }, { organizationId, at: now })];
  const revoked = await store.access.revokeApiKey(organizationId, id, now, audit);
  if (revoked === undefined) throw new UsageError(`No key ${id} in ${organizationId}.`);
  out.write(`Revoked ${id}. Gateways stop accepting it within their key cache time (auth.cacheSeconds).\n`);
}

/** The given organization, or the operator organization. */
async function organizationOf(store: Store, given: string | undefined): Promise<string> {
  if (given !== undefined) {
    if ((await store.access.getOrganization(given)) === undefined) throw new UsageError(`No organization ${given}.`);
    return given;
  }
  const operator = (await store.access.listOrganizations({ limit: 1000 })).find((organization) => organization.isOperator);
  if (operator === undefined) throw new UsageError('The store has no organizations yet: start the gateway once first.');
  return operator.id;
}

function parseDomains(text: string): DomainGrant {
  if (text === '*') return '*';
  const list = text.split(',').map((part) => part.trim()).filter(Boolean);
  const wrong = list.find((domain) => !isDomain(domain));
  if (wrong !== undefined || list.length === 0) {
    throw new UsageError(`--domains must be '*' or a comma-separated list of models, prompts, usage, webhooks, billing, keys.`);
  }
  return [...new Set(list)] as DomainGrant;
}

function parse<T extends Record<string, 'string' | 'boolean'>>(args: string[], spec: T) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: Object.fromEntries(Object.entries(spec).map(([name, type]) => [name, { type }])) as {
        [K in keyof T]: { type: T[K] };
      },
    }) as { values: { [K in keyof T]?: T[K] extends 'boolean' ? boolean : string }; positionals: string[] };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
}
