/**
 * Whether this machine can run DynamoDB Local (Java 17 or newer). The local stack serves DynamoDB
 * from moto when it cannot; the tests and CI always use DynamoDB Local.
 */
import { execFile } from 'node:child_process';
import { javaMajorVersion } from './emulators.js';

export type JavaStatus =
  | { readonly usable: true; readonly version: number }
  | { readonly usable: false; readonly why: string };

/**
 * Runs `java -version` and reads the major version.
 *
 * @example
 * const java = await javaStatus();
 * if (!java.usable) console.log(`DynamoDB from moto: ${java.why}`);
 */
export function javaStatus(env: NodeJS.ProcessEnv = process.env): Promise<JavaStatus> {
  return new Promise((resolve) => {
    execFile('java', ['-version'], { timeout: 30_000, env }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (error !== null) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        resolve({
          usable: false,
          why: missing ? 'no `java` on PATH' : `\`java -version\` failed: ${output.split('\n')[0] ?? ''}`,
        });
        return;
      }
      const version = javaMajorVersion(output);
      if (version === undefined || version < 17) {
        resolve({
          usable: false,
          why: `DynamoDB Local needs Java 17 or newer, found ${output.split('\n')[0] ?? 'an unknown version'}`,
        });
      } else {
        resolve({ usable: true, version });
      }
    });
  });
}
