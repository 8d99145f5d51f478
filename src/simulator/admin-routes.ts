// Out-of-process control under /_sim/: inject and clear faults, read stats and recorded requests, reset.
// These requests are neither counted nor recorded.
import type { ServerResponse } from 'node:http';
import { parseJsonBody, writeJson } from './http-io.js';
import { jsonReply } from './sim-reply.js';
import { parseFault, type SimulatorFault } from './simulator-fault.js';
import type { SimulatorState } from './simulator-state.js';

export function handleAdmin(state: SimulatorState, method: string, path: string, raw: Buffer | undefined, response: ServerResponse): void {
  const route = `${method} ${path}`;
  switch (route) {
    case 'POST /_sim/faults':
      writeJson(response, addFaults(state, raw));
      return;
    case 'GET /_sim/faults':
      writeJson(response, jsonReply(200, { faults: state.faults.list() }));
      return;
    case 'DELETE /_sim/faults':
      state.faults.clear();
      writeJson(response, jsonReply(200, { faults: [] }));
      return;
    case 'GET /_sim/stats':
      writeJson(response, jsonReply(200, state.stats));
      return;
    case 'GET /_sim/requests':
      writeJson(response, jsonReply(200, { requests: state.log.all() }));
      return;
    case 'POST /_sim/reset':
      state.reset();
      writeJson(response, jsonReply(200, { ok: true }));
      return;
    default:
      writeJson(response, jsonReply(404, { error: { message: `Unknown simulator admin route: ${route}` } }));
  }
}

function addFaults(state: SimulatorState, raw: Buffer | undefined) {
  const { body, malformed } = parseJsonBody(raw);
  if (malformed || body === undefined) return jsonReply(400, { error: { message: 'Body must be a fault or an array of faults.' } });
  const parsed: SimulatorFault[] = [];
  for (const entry of Array.isArray(body) ? body : [body]) {
    const fault = parseFault(entry);
    if (typeof fault === 'string') return jsonReply(400, { error: { message: fault } });
    parsed.push(fault);
  }
  for (const fault of parsed) state.faults.add(fault);
  return jsonReply(200, { faults: state.faults.list() });
}
