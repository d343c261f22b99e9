import { execFileSync } from 'node:child_process';
import { cpus, platform, release, totalmem } from 'node:os';

/** What the figures were measured on; printed and stored with every result. */
export interface MachineFacts {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  /** The Node version of the measured processes. */
  readonly node: string;
  readonly os: string;
}

/**
 * The machine the bench runs on, and the version of the `node` binary it measures with.
 *
 * @example
 * machineFacts(process.execPath); // { cpu: 'AMD EPYC …', cores: 2, memoryGiB: 8, node: 'v20.20.2', os: 'linux 6.1 x64' }
 */
export function machineFacts(node: string): MachineFacts {
  const processors = cpus();
  return {
    cpu: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node:
      node === process.execPath
        ? process.version
        : execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(),
    os: `${platform()} ${release()} ${process.arch}`,
  };
}
