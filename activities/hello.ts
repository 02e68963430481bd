// Proves the Temporal path end to end (client → server → worker → activity). Removed once real workflows exist.
export async function greet(name: string): Promise<string> {
  return `Hello, ${name}!`;
}
