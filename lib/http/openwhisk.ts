/**
 * OpenWhisk has no environment variables for actions: configuration arrives as default parameters
 * merged into every invocation's params. Copy ours into the environment before config() reads it.
 */
const CONFIG_PARAMETER = /^(EC2_|OS_|METADATA_|NOVA_)/;

export function adoptParameters(params: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(params)) {
    if (CONFIG_PARAMETER.test(name) && typeof value === 'string' && process.env[name] === undefined) {
      process.env[name] = value;
    }
  }
}
