// Deterministic unit-length embedding vectors: the same text and size always give the same vector, so tests can
// compare results across calls and providers. Values are float32 so the base64 (float32 little-endian) and float
// encodings carry the same numbers.
export function embeddingVector(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  let state = seed(text);
  let sumOfSquares = 0;
  for (let index = 0; index < dimensions; index += 1) {
    // xorshift32: cheap and good enough to spread values over [-1, 1).
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const value = (state >>> 0) / 2147483648 - 1;
    vector[index] = value;
    sumOfSquares += value * value;
  }
  const norm = Math.sqrt(sumOfSquares) || 1;
  for (let index = 0; index < dimensions; index += 1) vector[index] = vector[index]! / norm;
  return vector;
}

/** FNV-1a over the UTF-16 code units; never zero (xorshift would stay at zero). */
function seed(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash === 0 ? 0x9e3779b9 : hash;
}

export function vectorToBase64(vector: Float32Array): string {
  // Node runs on little-endian hosts; Buffer views the float32 bytes as they are in memory.
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

export function vectorToArray(vector: Float32Array): number[] {
  return Array.from(vector);
}
