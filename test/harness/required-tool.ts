import { spawnSync } from 'child_process';

const INSTALL_HINT = 'pip install cfn-lint "moto[server]"';

/**
 * Resolves a command-line tool the tests need, or fails with how to install it.
 * Missing tools never make a test pass silently: under CI=true this is a hard failure, and
 * locally it is the same failure with the install command in the message.
 */
export function requireTool(command: string, versionArgs: string[] = ['--version']): string {
  const result = spawnSync(command, versionArgs, { encoding: 'utf8', timeout: 30_000 });
  if (result.error || result.status !== 0) {
    const where = process.env.CI === 'true' ? 'CI=true: the test environment is incomplete' : 'local run';
    throw new Error(`required tool '${command}' is not available (${where}); install it with: ${INSTALL_HINT}`);
  }
  return `${result.stdout}${result.stderr}`.trim();
}
