/**
 * Reads the handler's configuration from environment variables once, at start-up,
 * and fails the cold start with a message naming every missing variable.
 */
export function readEnvironment<K extends string>(names: readonly K[], env: NodeJS.ProcessEnv = process.env): Record<K, string> {
  const missing = names.filter((name) => !env[name] || env[name]!.trim() === '');
  if (missing.length > 0) {
    throw new Error(`missing required environment variable(s): ${missing.join(', ')}`);
  }
  return Object.fromEntries(names.map((name) => [name, env[name]!.trim()])) as Record<K, string>;
}

/** Reads an optional integer variable, rejecting anything that is not a non-negative integer. */
export function readOptionalInteger(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`environment variable ${name} must be a non-negative integer, got '${raw}'`);
  }
  return value;
}
