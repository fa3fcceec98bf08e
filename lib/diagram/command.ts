#!/usr/bin/env node
/**
 * mlops-diagram: the picture of what a CDK app deploys, drawn from the cloud assembly that
 * `cdk synth` wrote.
 *
 *   mlops-diagram [<cloud assembly directory, default cdk.out>] [--mermaid] [--out <file>]
 *   mlops-diagram [<directory>] --update <markdown file> [--check]
 *
 * Without options it prints the diagram as a ```mermaid block. `--mermaid` prints the Mermaid
 * text alone; `--out` writes to a file (e.g. diagram.md) instead of printing. `--update` puts the
 * diagram between the `<!-- diagram:start -->` and `<!-- diagram:end -->` lines of a Markdown
 * file; with `--check` it writes nothing and exits 1 when the file's diagram is not the current one.
 */
import * as fs from 'fs';
import { PlatformDiagram } from './platform-diagram';

export const USAGE = 'usage: mlops-diagram [<cloud assembly directory, default cdk.out>] [--mermaid] [--out <file> | --update <markdown file> [--check]]';

/** Output of the command: what it prints, and what it reports on stderr. */
export interface CommandOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const STDIO: CommandOutput = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/**
 * Runs the command and returns its exit code: 0 done, 1 `--check` found the file stale, 2 bad
 * arguments or no cloud assembly.
 */
export function main(argv: readonly string[], io: CommandOutput = STDIO): number {
  const options = new Map<string, string>();
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--mermaid' || arg === '--check' || arg === '--help') flags.add(arg);
    else if ((arg === '--out' || arg === '--update') && i + 1 < argv.length) options.set(arg, argv[++i]);
    else if (!arg.startsWith('--')) positional.push(arg);
    else return usage(io, `unexpected argument '${arg}'`);
  }
  if (flags.has('--help')) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const problems: string[] = [];
  if (positional.length > 1) problems.push(`one cloud assembly directory at most, got ${positional.map((p) => `'${p}'`).join(', ')}`);
  if (options.has('--out') && options.has('--update')) problems.push('--out and --update exclude each other');
  if (flags.has('--check') && !options.has('--update')) problems.push('--check needs --update <markdown file>');
  if (flags.has('--mermaid') && options.has('--update')) problems.push('--mermaid and --update exclude each other (a Markdown file holds a ```mermaid block)');
  if (problems.length > 0) return usage(io, problems.join('; '));

  let diagram: PlatformDiagram;
  try {
    diagram = PlatformDiagram.fromDirectory(positional[0] ?? 'cdk.out');
  } catch (error) {
    io.err(`mlops-diagram: ${(error as Error).message}\n`);
    return 2;
  }

  const file = options.get('--update');
  if (file !== undefined) {
    if (!fs.existsSync(file)) return usage(io, `--update ${file}: no such file`);
    const text = fs.readFileSync(file, 'utf8');
    let updated: string;
    try {
      updated = diagram.updateMarkdown(text);
    } catch (error) {
      io.err(`mlops-diagram: ${file}: ${(error as Error).message}\n`);
      return 2;
    }
    if (flags.has('--check')) {
      if (updated === text) return 0;
      io.err(`mlops-diagram: the diagram in ${file} is not the one of this app; refresh it: mlops-diagram ${positional[0] ?? 'cdk.out'} --update ${file}\n`);
      return 1;
    }
    if (updated !== text) fs.writeFileSync(file, updated);
    io.err(`mlops-diagram: ${updated === text ? 'the diagram in ' + file + ' is current' : 'updated the diagram in ' + file}\n`);
    return 0;
  }

  const text = flags.has('--mermaid') ? diagram.mermaid() : diagram.markdown();
  const out = options.get('--out');
  if (out !== undefined) fs.writeFileSync(out, text);
  else io.out(text);
  return 0;
}

function usage(io: CommandOutput, problem: string): number {
  io.err(`mlops-diagram: ${problem}\n${USAGE}\n`);
  return 2;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
