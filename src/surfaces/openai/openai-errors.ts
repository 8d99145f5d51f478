// The one place GatewayErrors become the OpenAI envelope: {"error":{"message","type","param","code"}}.
import type { GatewayError } from '../../core/errors.js';

export function openAIErrorBody(error: GatewayError, requestId: string) {
  return {
    error: {
      message: error.message,
      type: error.type,
      param: error.param,
      code: error.publicCode,
      request_id: requestId,
    },
  };
}

/** The terminal event of a stream that broke after its first byte: the openai SDK raises APIError on it. */
export function openAIStreamErrorEvent(error: GatewayError, requestId: string): string {
  return `data: ${JSON.stringify(openAIErrorBody(error, requestId))}\n\n`;
}
