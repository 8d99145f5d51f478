// Display names per provider, for /v1/models `owned_by` and the dashboard. The keys are the provider ids.
export const providerDisplayNames = {
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  gemini: 'Google',
  groq: 'Groq',
  mistral: 'Mistral AI',
  together: 'Together AI',
  fireworks: 'Fireworks AI',
  perplexity: 'Perplexity',
  deepinfra: 'DeepInfra',
  openrouter: 'OpenRouter',
  deepseek: 'DeepSeek',
  qwen: 'Alibaba Cloud',
  xai: 'xAI',
  ollama: 'Ollama',
  vllm: 'vLLM',
  sim: 'Switchyard Simulator',
} as const satisfies Record<string, string>;

export type CatalogueProviderId = keyof typeof providerDisplayNames;

/** The provider's display name; the id itself for a provider without one. */
export function providerDisplayName(provider: string): string {
  return Object.hasOwn(providerDisplayNames, provider)
    ? providerDisplayNames[provider as CatalogueProviderId]
    : provider;
}
