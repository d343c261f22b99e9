import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rules of docs/architecture.md ("What may import what"), checked over every
 * source file's imports: static and type-only imports, re-exports, dynamic `import()` and
 * `require()`, as TypeScript's own scanner finds them (comments and strings are not imports).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

/** One import: the file that makes it, and what it names (a repo path, or a package). */
interface Edge {
  readonly from: string;
  readonly specifier: string;
  /** Repo-relative path for a relative import, `undefined` for a package. */
  readonly path: string | undefined;
}

interface Rule {
  readonly name: string;
  /** The folders the rule governs; each must exist and hold source, or the rule would pass vacuously. */
  readonly governs: readonly string[];
  /** Whether the rule applies to imports made by this file. */
  readonly appliesTo: (file: string) => boolean;
  /** Why an import breaks the rule, or `undefined` when it does not. */
  readonly forbids: (edge: Edge) => string | undefined;
}

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const SKIPPED = new Set(['node_modules', 'cdk.out', 'coverage', 'dist']);

function sourceFiles(dir = ''): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      return SKIPPED.has(entry.name) || entry.name.startsWith('.') ? [] : sourceFiles(path);
    }
    return entry.isFile() && SOURCE.test(entry.name) ? [path] : [];
  });
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(join(root, file), 'utf8');
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName: specifier }) => ({
    from: file,
    specifier,
    path: specifier.startsWith('.') ? posix.normalize(posix.join(posix.dirname(file), specifier)) : undefined,
  }));
}

const under = (folder: string) => (path: string | undefined) =>
  path !== undefined && (path === folder || path.startsWith(`${folder}/`));
const isPackage = (pattern: RegExp) => (edge: Edge) =>
  edge.path === undefined && pattern.test(edge.specifier);

const AWS_SDK = /^@aws-sdk\//;
const LAMBDA_TYPES = /^aws-lambda$/;
const TOOLS = ['infra', 'cli', 'local', 'bench', 'bin'];
/** A core (every function's `core/`) and the receiver's providers: Node only, the outside world through ports. */
const CORE = /^functions\/[^/]+\/core\/|^functions\/receiver\/providers\//;
const ADAPTER_OR_HANDLER = /^functions\/.*(\/adapters\/|\/handler(\.[jt]s)?$)/;

const RULES: readonly Rule[] = [
  {
    name: 'functions/ never imports infra/, cli/, local/, bench/ or bin/ (a Lambda bundle holds runtime code only)',
    governs: ['functions', 'infra', 'cli'],
    appliesTo: (file) => file.startsWith('functions/'),
    forbids: (edge) => {
      const tool = TOOLS.find((folder) => under(folder)(edge.path));
      return tool === undefined ? undefined : `imports ${tool}/`;
    },
  },
  {
    name: 'a core (functions/*/core/, functions/receiver/providers/) imports no @aws-sdk/*, no aws-lambda, no adapter or handler',
    governs: ['functions/receiver/core', 'functions/receiver/providers', 'functions/receiver/adapters'],
    appliesTo: (file) => CORE.test(file),
    forbids: (edge) => {
      if (isPackage(AWS_SDK)(edge)) return 'imports the AWS SDK';
      if (isPackage(LAMBDA_TYPES)(edge)) return "imports Lambda's types";
      if (edge.path !== undefined && ADAPTER_OR_HANDLER.test(edge.path))
        return 'imports an adapter or a handler';
      return undefined;
    },
  },
  {
    name: 'contract/ imports only contract/ and Node built-ins (no @aws-sdk, aws-cdk-lib, constructs or anything else)',
    governs: ['contract'],
    appliesTo: (file) => file.startsWith('contract/'),
    forbids: (edge) => {
      if (edge.path === undefined) {
        return edge.specifier.startsWith('node:') ? undefined : `imports the package ${edge.specifier}`;
      }
      return under('contract')(edge.path) ? undefined : `imports ${edge.path}`;
    },
  },
  {
    name: 'nothing outside test/ imports test/',
    governs: ['test'],
    appliesTo: (file) => !file.startsWith('test/'),
    forbids: (edge) => (under('test')(edge.path) ? 'imports test/' : undefined),
  },
  {
    name: 'infra/ imports no @aws-sdk/* and no function adapter or handler (cdk synth loads no runtime SDK)',
    governs: ['infra', 'contract'],
    appliesTo: (file) => file.startsWith('infra/'),
    forbids: (edge) => {
      if (isPackage(AWS_SDK)(edge)) return 'imports the AWS SDK';
      if (edge.path !== undefined && ADAPTER_OR_HANDLER.test(edge.path))
        return 'imports an adapter or a handler';
      return undefined;
    },
  },
];

/** Every import that breaks a rule, as `file → specifier: reason`. */
function violations(rule: Rule, edges: readonly Edge[]): string[] {
  return edges.flatMap((edge) => {
    if (!rule.appliesTo(edge.from)) return [];
    const reason = rule.forbids(edge);
    return reason === undefined ? [] : [`${edge.from} → ${edge.specifier}: ${reason}`];
  });
}

const files = sourceFiles();
const edges = files.flatMap(importsOf);

describe('what may import what (docs/architecture.md)', () => {
  it('finds the imports of every kind, and the source it governs', () => {
    expect(files).toContain('infra/app.ts');
    expect(edges.some((e) => e.from === 'infra/app.ts' && e.specifier === 'aws-cdk-lib')).toBe(true);
    const kinds = ts.preProcessFile(
      "import type { A } from 'a';\nexport * from './b.js';\nawait import('c');\nrequire('d');\n// import 'e';\nconst f = \"import 'f'\";",
      true,
      true,
    );
    expect(kinds.importedFiles.map((f) => f.fileName)).toEqual(['a', './b.js', 'c', 'd']);
  });

  for (const rule of RULES) {
    it(rule.name, () => {
      for (const folder of rule.governs) {
        const path = join(root, folder);
        expect(existsSync(path) && statSync(path).isDirectory(), `${folder}/ exists`).toBe(true);
        expect(
          files.some((file) => file.startsWith(`${folder}/`)),
          `${folder}/ holds source`,
        ).toBe(true);
      }
      expect(violations(rule, edges)).toEqual([]);
    });
  }

  it('would catch a forbidden import in each rule', () => {
    const planted: readonly Edge[] = [
      { from: 'functions/receiver/handler.ts', specifier: '../../infra/index.js', path: 'infra/index.js' },
      { from: 'functions/receiver/core/receive.ts', specifier: '@aws-sdk/client-dynamodb', path: undefined },
      { from: 'contract/env.ts', specifier: 'aws-cdk-lib', path: undefined },
      { from: 'cli/main.ts', specifier: '../test/helpers/fakes.js', path: 'test/helpers/fakes.js' },
      {
        from: 'infra/webhook-receiver.ts',
        specifier: '../functions/receiver/adapters/dynamodb-ledger.js',
        path: 'functions/receiver/adapters/dynamodb-ledger.js',
      },
    ];
    for (const [index, rule] of RULES.entries()) {
      expect(violations(rule, planted), rule.name).toHaveLength(1);
      expect(violations(rule, planted)[0], rule.name).toContain(planted[index]?.from);
    }
  });
});
